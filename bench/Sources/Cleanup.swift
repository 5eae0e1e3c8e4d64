import Foundation

/// Everything the bench starts is stopped, and its hugepage files and DPDK runtime directories
/// removed, when the bench ends, is interrupted (Ctrl-C) or is told to stop (SIGTERM from a
/// timeout, SIGHUP): no testpmd left polling, no hugepages left held.
enum Cleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var running: [Process] = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var interrupted = false
    /// Every DPDK process the bench starts has a file prefix starting with this.
    static let prefix = "bench-"

    static func started(_ process: Process) {
        lock.withLock { running.append(process) }
    }

    static func stopped(_ process: Process) {
        lock.withLock { running.removeAll { $0 === process } }
    }

    /// Installs the handlers: on SIGINT, SIGTERM or SIGHUP, stop every child, clean up, exit.
    static func install(workDirectory: String?) {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                lock.withLock { interrupted = true }
                FileHandle.standardError.write("\nbench: interrupted; stopping what it started\n".data(using: .utf8)!)
                stopAll()
                removeResidue(workDirectory: workDirectory)
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Once a signal is being handled, the main thread waits here for the handler to finish the
    /// cleanup and exit the process.
    static func waitIfInterrupted() {
        while lock.withLock({ interrupted }) { sleep(1) }
    }

    /// SIGINT to every child still running (so DPDK apps shut down cleanly; SIGCONT first, for
    /// one a paired run holds), SIGKILL to those still running 10 s later.
    static func stopAll() {
        let children = lock.withLock { running }
        for child in children where child.isRunning {
            kill(child.processIdentifier, SIGCONT)  // a paired run may be holding it
            kill(child.processIdentifier, SIGINT)
        }
        let deadline = Date().addingTimeInterval(10)
        while children.contains(where: \.isRunning) && Date() < deadline { usleep(50_000) }
        for child in children where child.isRunning { kill(child.processIdentifier, SIGKILL) }
        for child in children { child.waitUntilExit() }
    }

    /// The bench's hugepage files and DPDK runtime directories (testpmd leaves both), and the
    /// bench's own work directory unless asked to keep it.
    static func removeResidue(workDirectory: String?) {
        let files = FileManager.default
        for directory in ["/dev/hugepages", "/var/run/dpdk", "/run/dpdk"] {
            for name in (try? files.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
                try? files.removeItem(atPath: "\(directory)/\(name)")
            }
        }
        if let workDirectory { try? files.removeItem(atPath: workDirectory) }
    }
}
