import CDPDK

/// Builds a DPDK telemetry reply (`struct rte_tel_data`). Names may hold only letters, digits, '_'
/// and '/', so other characters become '_'.
struct TelemetryData {
    let data: OpaquePointer

    static func key(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "/") ? $0 : "_" })
    }

    func startDict() { cdpdk_tel_start_dict(data) }

    func add(_ name: String, _ value: UInt64) { _ = cdpdk_tel_dict_u64(data, TelemetryData.key(name), value) }
    func add(_ name: String, _ value: Int) { _ = cdpdk_tel_dict_int(data, TelemetryData.key(name), Int32(clamping: value)) }
    func add(_ name: String, _ value: String) {
        _ = cdpdk_tel_dict_string(data, TelemetryData.key(name), String(value.utf8.prefix(127)) ?? "")
    }

    /// A nested dictionary under `name`.
    func dict(_ name: String, _ fill: (TelemetryData) -> Void) {
        guard let child = cdpdk_tel_alloc() else { return }
        let nested = TelemetryData(data: child)
        nested.startDict()
        fill(nested)
        _ = cdpdk_tel_dict_container(data, TelemetryData.key(name), child)
    }

    /// An array of counters under `name` (at most 512).
    func array(_ name: String, _ values: [UInt64]) {
        guard let child = cdpdk_tel_alloc() else { return }
        cdpdk_tel_start_u64_array(child)
        for value in values.prefix(512) { _ = cdpdk_tel_array_u64(child, value) }
        _ = cdpdk_tel_dict_container(data, TelemetryData.key(name), child)
    }

    /// An array of strings under `name`.
    func strings(_ name: String, _ values: [String]) {
        guard let child = cdpdk_tel_alloc() else { return }
        cdpdk_tel_start_string_array(child)
        for value in values.prefix(512) { _ = cdpdk_tel_array_string(child, String(value.utf8.prefix(127)) ?? "") }
        _ = cdpdk_tel_dict_container(data, TelemetryData.key(name), child)
    }
}
