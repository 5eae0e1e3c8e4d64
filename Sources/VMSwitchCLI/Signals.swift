#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The signal that asked the switch to stop (SIGINT/SIGTERM), or 0.
public let stopSignal = Atomic<Int32>(0)
/// Set by SIGHUP: re-read the configuration.
public let reloadRequested = Atomic<Bool>(false)

/// C signal handlers: globals in a library module, so they carry no actor isolation. They only
/// store to atomics.
let stopHandler: @convention(c) (Int32) -> Void = { signal in
    stopSignal.store(signal, ordering: .relaxed)
}
let reloadHandler: @convention(c) (Int32) -> Void = { _ in
    reloadRequested.store(true, ordering: .relaxed)
}

public func installSignalHandlers() {
    _ = stopSignal.load(ordering: .relaxed)  // initialise the globals before any handler runs
    _ = reloadRequested.load(ordering: .relaxed)
    signal(SIGINT, stopHandler)
    signal(SIGTERM, stopHandler)
    signal(SIGHUP, reloadHandler)
    // A parent may hand down a mask that blocks them (the mask survives exec): unblock, so a
    // stop request is never silently held back.
    var wanted = sigset_t()
    sigemptyset(&wanted)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&wanted, number) }
    pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
}
