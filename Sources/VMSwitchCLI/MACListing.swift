import ArgumentParser
import Foundation

/// `vmswitch macs`: the running switch's MAC table, as `ovs-appctl fdb/show` shows Open vSwitch's.
struct Macs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a running switch's MAC table: static and learned MACs, their ports and ages.")

    @Option(name: .customLong("file-prefix"), help: "The running switch's EAL --file-prefix.")
    var filePrefix: String = "vmswitch"
    @Flag(help: "Print the table as JSON.") var json = false

    func run() throws {
        let entries: [MACListing.Entry]
        do {
            entries = try TelemetryClient.macs(filePrefix: filePrefix)
        } catch {
            FileHandle.standardError.write(Data("vmswitch: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        } else {
            print(MACListing.render(entries))
        }
    }
}

enum MACListing {
    struct Entry: Codable, Equatable {
        var mac: String
        var port: String
        /// Seconds since its last frame; nil for a port's static MAC.
        var age: Double?
        var isStatic: Bool { age == nil }

        enum CodingKeys: String, CodingKey { case mac, port, age, isStatic = "static" }

        init(mac: String, port: String, age: Double?) {
            self.mac = mac
            self.port = port
            self.age = age
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mac = try container.decode(String.self, forKey: .mac)
            port = try container.decode(String.self, forKey: .port)
            age = try container.decodeIfPresent(Double.self, forKey: .age)
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(mac, forKey: .mac)
            try container.encode(port, forKey: .port)
            try container.encode(age, forKey: .age)
            try container.encode(isStatic, forKey: .isStatic)
        }
    }

    static func render(_ entries: [Entry]) -> String {
        let width = max(4, entries.map(\.port.count).max() ?? 0)
        var lines = ["MAC                " + "port".padding(toLength: width, withPad: " ", startingAt: 0) + "  age"]
        for entry in entries {
            lines.append(entry.mac + "  " + entry.port.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                         + (entry.age.map { String(format: "%.1f s", $0) } ?? "static"))
        }
        lines.append("\(entries.filter { !$0.isStatic }.count) learned, \(entries.filter(\.isStatic).count) static")
        return lines.joined(separator: "\n")
    }
}
