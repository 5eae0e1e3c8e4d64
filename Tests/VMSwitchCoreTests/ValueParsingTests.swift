import Testing
import VMSwitchCore

@Suite struct ValueParsingTests {
    @Test func dscpNamesAndNumbers() {
        #expect(DSCP(parsing: "EF")?.value == 46)
        #expect(DSCP(parsing: "af41")?.value == 34)
        #expect(DSCP(parsing: "AF11")?.value == 10)
        #expect(DSCP(parsing: "CS7")?.value == 56)
        #expect(DSCP(parsing: "VA")?.value == 44)
        #expect(DSCP(parsing: "BE")?.value == 0)
        #expect(DSCP(parsing: "63")?.value == 63)
        #expect(DSCP(parsing: "64") == nil)
        #expect(DSCP(parsing: "-1") == nil)
        #expect(DSCP(parsing: "AF44") == nil)
        #expect(DSCP(46)?.description == "EF")
        #expect(DSCPAssignment(parsing: "keep") == .keep)
    }

    @Test func prefixes() throws {
        #expect(try IPPrefix(parsing: "10.0.0.0/8") == .v4(address: 0x0A00_0000, length: 8))
        #expect(try IPPrefix(parsing: "10.1.2.3") == .v4(address: 0x0A01_0203, length: 32))
        #expect(try IPPrefix(parsing: "0.0.0.0/0").last == UInt128(UInt32.max))
        #expect(try IPPrefix(parsing: "2001:db8::/32").description == "2001:db8::/32")
        #expect(try IPPrefix(parsing: "::/0").last == UInt128.max)
        #expect(throws: IPPrefix.ParseError.hostBitsSet(suggestion: "10.0.0.0/8")) {
            try IPPrefix(parsing: "10.0.0.1/8")
        }
        #expect(throws: IPPrefix.ParseError.badLength) { try IPPrefix(parsing: "10.0.0.0/33") }
        #expect(throws: IPPrefix.ParseError.notAnAddress) { try IPPrefix(parsing: "10.0.0/8") }
        #expect(throws: IPPrefix.ParseError.notAnAddress) { try IPPrefix(parsing: "256.0.0.0/8") }
        #expect(throws: IPPrefix.ParseError.notAnAddress) { try IPPrefix(parsing: "2001:db8:::1") }
    }

    @Test func macAddresses() {
        #expect(MACAddress(parsing: "52:54:00:AB:cd:01")?.bits == 0x5254_00AB_CD01)
        #expect(MACAddress(parsing: "52-54-00-ab-cd-01")?.description == "52:54:00:ab:cd:01")
        #expect(MACAddress(parsing: "52:54:00:ab:cd") == nil)
        #expect(MACAddress(parsing: "52:54:00:ab:cd:0g") == nil)
        #expect(MACAddress.broadcast.isGroup && !macA.isGroup)
    }
}
