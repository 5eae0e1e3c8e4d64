// swift-tools-version:6.0
import PackageDescription

// Debian 12's `pkg-config --cflags libdpdk`. SwiftPM cannot parse Debian's libdpdk.pc and drops
// `-include` and `-march` from pkg-config output, so the flags are spelled out here. The same
// flags go to the C shim and (as -Xcc) to every Swift target that imports it.
let dpdkCFlags = [
    "-I/usr/include/dpdk", "-I/usr/include/x86_64-linux-gnu/dpdk",
    "-include", "rte_config.h", "-march=corei7",
]
let dpdkSwiftFlags: [SwiftSetting] = [.unsafeFlags(dpdkCFlags.flatMap { ["-Xcc", $0] })]
// SSE4.2 (crc32) for the core's flow hash; every target that inlines the core's code needs it,
// so a flow hashes alike wherever its key is built. (-march=corei7 above includes it.)
let coreSwiftFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msse4.2"])]
let dpdkLibraries = [
    "rte_eal", "rte_ethdev", "rte_mbuf", "rte_mempool", "rte_ring", "rte_telemetry", "rte_vhost",
    "rte_net_vhost", "rte_pdump", "rte_meter", "rte_sched", "numa", "systemd",
]

let package = Package(
    name: "vmswitch",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "vmswitch", targets: ["vmswitch"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // `vmswitch exporter`: Prometheus' text format and an HTTP server from the Swift server ecosystem.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // The C shim: the only code that includes DPDK headers.
        .target(
            name: "CDPDK", path: "CDPDK",
            cSettings: [.unsafeFlags(dpdkCFlags + ["-O3"])],
            linkerSettings: dpdkLibraries.map { .linkedLibrary($0) }),
        // Two CPU instructions for the core (prefetch, crc32): DPDK-free, header-only.
        .target(name: "CoreSupport", cSettings: [.unsafeFlags(["-msse4.2"])]),
        // DPDK-free: frame parsing, the compiled policy, the per-frame decision and its burst stages.
        .target(name: "VMSwitchCore", dependencies: ["CoreSupport"], swiftSettings: coreSwiftFlags),
        // Ports, lcore workers and the burst loop over CDPDK.
        .target(name: "Dataplane", dependencies: ["CDPDK", "VMSwitchCore"],
                swiftSettings: dpdkSwiftFlags),
        // Pcap files and synthetic frames: the demo, the bench and the tests use them.
        .target(name: "Traffic", dependencies: ["VMSwitchCore"], swiftSettings: coreSwiftFlags),
        // Arguments, configuration, lifecycle, signals.
        .target(name: "VMSwitchCLI",
                dependencies: ["Dataplane", "VMSwitchCore", "Traffic",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "Yams", package: "Yams"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: dpdkSwiftFlags),
        .executableTarget(name: "vmswitch", dependencies: ["VMSwitchCLI"],
                          swiftSettings: dpdkSwiftFlags),
        // `make bench`: vmswitch against dpdk-testpmd on the same traffic.
        .executableTarget(name: "vmswitch-bench", dependencies: ["VMSwitchCLI", "VMSwitchCore", "Traffic"],
                          path: "bench/Sources", swiftSettings: dpdkSwiftFlags),
        .testTarget(name: "VMSwitchCoreTests", dependencies: ["VMSwitchCore", "Traffic"], swiftSettings: coreSwiftFlags),
        .testTarget(name: "VMSwitchCLITests", dependencies: ["VMSwitchCLI", "VMSwitchCore"],
                    swiftSettings: dpdkSwiftFlags),
        .testTarget(name: "IntegrationTests", dependencies: ["Traffic", "VMSwitchCore", "Dataplane"],
                    swiftSettings: dpdkSwiftFlags),
    ])
