#if canImport(Glibc)
import Glibc
#endif

/// Classic libpcap files (microsecond timestamps, Ethernet link type): what DPDK's net_pcap
/// reads and writes.
public enum PcapFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public static func write(_ frames: [[UInt8]], to path: String) throws {
        var bytes = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(1)
        for (index, frame) in frames.enumerated() {
            bytes += le32(UInt32(1_700_000_000 + index / 1_000_000)) + le32(UInt32(index % 1_000_000))
            bytes += le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
        }
        guard let file = fopen(path, "wb") else { throw Error(description: "cannot write \(path)") }
        defer { fclose(file) }
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
            throw Error(description: "short write to \(path)")
        }
    }

    public static func read(_ path: String) throws -> [[UInt8]] {
        guard let file = fopen(path, "rb") else { throw Error(description: "cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return try parse(bytes, name: path)
    }

    static func parse(_ bytes: [UInt8], name: String) throws -> [[UInt8]] {
        guard bytes.count >= 24 else { throw Error(description: "\(name): not a pcap file") }
        let magic = u32(bytes, 0)
        let swapped: Bool
        switch magic {
        case 0xA1B2_C3D4, 0xA1B2_3C4D: swapped = false
        case 0xD4C3_B2A1, 0x4D3C_B2A1: swapped = true
        default: throw Error(description: "\(name): not a pcap file (magic \(magic))")
        }
        var frames: [[UInt8]] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            var captured = u32(bytes, offset + 8)
            if swapped { captured = captured.byteSwapped }
            let start = offset + 16
            guard start + Int(captured) <= bytes.count else {
                throw Error(description: "\(name): truncated record at byte \(offset)")
            }
            frames.append(Array(bytes[start..<start + Int(captured)]))
            offset = start + Int(captured)
        }
        return frames
    }

    private static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
