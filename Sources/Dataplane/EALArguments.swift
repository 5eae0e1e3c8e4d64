import VMSwitchCore

/// The EAL command line vmswitch runs with: the user's EAL arguments, plus the defaults they did
/// not give.
public enum EALArguments {
    /// - `--file-prefix vmswitch` (DPDK's files for this instance);
    /// - `--no-pci` when no PCI device is configured, else `-a ADDR` for each configured one;
    /// - `--single-file-segments` when vhost ports exist (vhost-user needs it here), and the vhost
    ///   library's per-message logging down to warnings unless a `--log-level` is given;
    /// - `-l`/`--lcores`: `defaultLcores` (a control lcore and one worker) when none is given.
    public static func compose(user: [String], ports: [PortSpec], defaultLcores: String) -> [String] {
        var arguments = user
        func given(_ names: String...) -> Bool {
            user.contains { argument in
                names.contains { argument == $0 || argument.hasPrefix($0 + "=") }
                    || names.contains { $0.count == 2 && argument.hasPrefix($0) && argument.count > 2 }
            }
        }
        if !given("--file-prefix") { arguments += ["--file-prefix", "vmswitch"] }
        if !given("-l", "--lcores", "-c") { arguments += ["--lcores", defaultLcores] }
        let pciDevices = ports.compactMap { port -> String? in
            guard case .device(let devargs) = port.backend, isPCIAddress(devargs) else { return nil }
            return devargs
        }
        if pciDevices.isEmpty {
            if !given("--no-pci", "-a", "--allow", "-b", "--block") { arguments.append("--no-pci") }
        } else {
            for device in pciDevices where !user.contains(device) { arguments += ["-a", device] }
        }
        let hasVhost = ports.contains { if case .vhost = $0.backend { true } else { false } }
        if hasVhost && !given("--single-file-segments") { arguments.append("--single-file-segments") }
        // The vhost library logs every protocol message at INFO; its connects and disconnects
        // are in vmswitch's own log.
        if hasVhost && !given("--log-level") { arguments.append("--log-level=lib.vhost.*:warning") }
        return arguments
    }

    /// `[DDDD:]BB:DD.F`, optionally followed by `,devargs`.
    public static func isPCIAddress(_ devargs: String) -> Bool {
        let address = devargs.split(separator: ",", maxSplits: 1).first.map(String.init) ?? ""
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return false }
        let hex = { (text: Substring, count: Int) in text.count == count && text.allSatisfy(\.isHexDigit) }
        if parts.count == 3 && !hex(parts[0], 4) { return false }
        let busDevice = parts[parts.count - 2]
        let deviceFunction = parts[parts.count - 1].split(separator: ".", omittingEmptySubsequences: false)
        return hex(busDevice, 2) && deviceFunction.count == 2 && hex(deviceFunction[0], 2)
            && deviceFunction[1].count == 1 && ("0"..."7").contains(String(deviceFunction[1]))
    }

    /// The lcore map used when the user gives none: lcore 0 (control) and lcore 1 (worker) on the
    /// first two CPUs this process may run on, or both on the one CPU there is.
    public static func defaultLcores(allowedCPUs: [Int]) -> String {
        guard let first = allowedCPUs.first else { return "0,1" }
        let second = allowedCPUs.count > 1 ? allowedCPUs[1] : first
        return "0@\(first),1@\(second)"
    }
}
