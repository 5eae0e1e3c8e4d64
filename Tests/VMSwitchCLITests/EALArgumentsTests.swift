import Dataplane
import Testing
import VMSwitchCore

@Suite struct EALArgumentsTests {
    let vdev = PortSpec(name: "a", role: .physical, backend: .device("net_null0"))
    let pci = PortSpec(name: "u", role: .physical, backend: .device("0000:3b:00.0"))
    let vhost = PortSpec(name: "v", role: .virtual, backend: .vhost(path: "/tmp/v.sock", client: false))

    @Test func addsDefaultsTheUserDidNotGive() {
        let args = EALArguments.compose(user: [], ports: [vdev, vhost], defaultLcores: "0@0,1@1")
        #expect(args == ["--file-prefix", "vmswitch", "--lcores", "0@0,1@1", "--no-pci", "--single-file-segments",
                         "--log-level=lib.vhost.*:warning"])
    }

    @Test func keepsTheUsersChoices() {
        let args = EALArguments.compose(user: ["-l", "2,3", "--file-prefix=x", "--single-file-segments"],
                                        ports: [vhost], defaultLcores: "0,1")
        #expect(args == ["-l", "2,3", "--file-prefix=x", "--single-file-segments", "--no-pci",
                         "--log-level=lib.vhost.*:warning"])
        #expect(EALArguments.compose(user: ["-l2,3"], ports: [vdev], defaultLcores: "0,1").filter { $0 == "--lcores" }.isEmpty)
    }

    @Test func allowsConfiguredPCIDevices() {
        let args = EALArguments.compose(user: [], ports: [pci, vdev], defaultLcores: "0,1")
        #expect(args.contains("-a") && args.contains("0000:3b:00.0") && !args.contains("--no-pci"))
    }

    @Test func recognisesPCIAddresses() {
        #expect(EALArguments.isPCIAddress("0000:3b:00.0"))
        #expect(EALArguments.isPCIAddress("3b:00.1,rxq_pkt_pad_en=1"))
        #expect(!EALArguments.isPCIAddress("net_pcap0,rx_pcap=a.pcap"))
        #expect(!EALArguments.isPCIAddress("3b:00.8"))
    }

    @Test func defaultLcoresUseTheAllowedCPUs() {
        #expect(EALArguments.defaultLcores(allowedCPUs: [2, 5, 7]) == "0@2,1@5")
        #expect(EALArguments.defaultLcores(allowedCPUs: [3]) == "0@3,1@3")
    }
}
