import VMSwitchCore

extension Switch {
    /// The control loop's MAC maintenance: advances the aging clock and removes aged entries.
    public func maintainMACs() {
        controlLock.withLock { _ in
            learnedMACs?.tick(seconds: elapsedSeconds, agingSeconds: policy.macAging)
        }
    }

    /// Every MAC the switch forwards by: the static ones (each port's `mac:`), then the learned ones.
    public func macEntries() -> [LearnedMACs.Entry] {
        controlLock.withLock { _ in
            let statics = policy.ports.enumerated().flatMap { index, port in
                port.macs.map { LearnedMACs.Entry(mac: $0, port: index, age: nil) }
            }
            return statics + (learnedMACs?.learned() ?? [])
        }
    }
}
