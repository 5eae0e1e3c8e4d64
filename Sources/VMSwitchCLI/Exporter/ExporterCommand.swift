import ArgumentParser
import Dataplane
import Dispatch
import Foundation
import Hummingbird

/// `vmswitch exporter`: serves a running switch's counters at `/metrics` for Prometheus. Each
/// scrape reads the switch over DPDK telemetry (the same commands as `vmswitch stats`), so the
/// exporter holds no state of its own, starts before or after the switch and survives its
/// restarts (`vmswitch_up` says whether it answered).
struct Exporter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a running switch's counters to Prometheus (/metrics, text format).")

    @Option(help: "Address and port to serve on (HOST:PORT, [IPv6]:PORT).")
    var listen = "127.0.0.1:9477"
    @Option(name: .customLong("file-prefix"), help: "The running switch's EAL --file-prefix.")
    var filePrefix: String = "vmswitch"

    func run() async throws {
        let address: ListenAddress
        do {
            address = try ListenAddress(listen)
        } catch {
            FileHandle.standardError.write(Data("vmswitch: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let reader = TelemetryReader(filePrefix: filePrefix)
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            let body = PrometheusExposition.render(await reader.stats())
            return Response(status: .ok, headers: [.contentType: PrometheusExposition.contentType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/") { _, _ in "vmswitch exporter: metrics at /metrics\n" }
        let app = Application(router: router,
                              configuration: .init(address: .hostname(address.host, port: address.port),
                                                   serverName: "vmswitch-exporter"),
                              onServerRunning: { _ in
                                  print("vmswitch exporter: serving http://\(address)/metrics for file prefix \"\(filePrefix)\"")
                                  fflush(nil)
                              })
        do {
            try await app.runService()
        } catch {
            FileHandle.standardError.write(Data("vmswitch: exporter on \(address): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Reads the switch's counters off the async server's threads (the telemetry socket blocks), one
/// scrape at a time.
struct TelemetryReader: Sendable {
    let filePrefix: String
    private let queue = DispatchQueue(label: "vmswitch.exporter.telemetry")

    init(filePrefix: String) { self.filePrefix = filePrefix }

    /// nil when no switch with the file prefix answers.
    func stats() async -> StatsSnapshot? {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: try? TelemetryClient.stats(filePrefix: filePrefix)) }
        }
    }
}

/// `HOST:PORT` or `[IPV6]:PORT`.
public struct ListenAddress: CustomStringConvertible, Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public let port: Int

    public init(_ text: String) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Invalid(description: "--listen \(text): expected [ADDRESS]:PORT") }
            portPart = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            throw Invalid(description: "--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:9477")
        }
        guard !hostPart.isEmpty else { throw Invalid(description: "--listen \(text): the host is missing") }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw Invalid(description: "--listen \(text): the port must be a number from 1 to 65535")
        }
        host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
