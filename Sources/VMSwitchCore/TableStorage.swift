/// Where compiled tables live. The dataplane passes an allocator for hugepage memory on a NUMA
/// node; tests and `vmswitch check` use the process heap.
public struct TableAllocator: Sendable {
    public let allocate: @Sendable (_ bytes: Int) -> UnsafeMutableRawPointer?
    public let release: @Sendable (UnsafeMutableRawPointer) -> Void

    public init(allocate: @escaping @Sendable (Int) -> UnsafeMutableRawPointer?,
                release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.allocate = allocate
        self.release = release
    }

    public static let heap = TableAllocator(
        allocate: { UnsafeMutableRawPointer.allocate(byteCount: max($0, 1), alignment: 64) },
        release: { $0.deallocate() })
}

public struct TableAllocationError: Error, CustomStringConvertible {
    public let bytes: Int
    public var description: String { "out of memory for policy tables (\(bytes) bytes)" }
}

/// Owns the blocks one compiled policy's tables occupy, and frees them when it goes.
final class TableStorage {
    let allocator: TableAllocator
    private var blocks: [UnsafeMutableRawPointer] = []
    private(set) var bytes = 0

    init(allocator: TableAllocator) { self.allocator = allocator }

    deinit { blocks.forEach(allocator.release) }

    /// Copies `elements` into a new block (never empty, so the pointer is always valid).
    func store<T: BitwiseCopyable>(_ elements: [T]) throws -> UnsafeMutablePointer<T> {
        let count = max(elements.count, 1)
        let size = count * MemoryLayout<T>.stride
        guard let raw = allocator.allocate(size) else { throw TableAllocationError(bytes: size) }
        blocks.append(raw)
        bytes += size
        let typed = raw.bindMemory(to: T.self, capacity: count)
        elements.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { typed.initialize(from: base, count: source.count) }
        }
        return typed
    }

    /// Takes ownership of a block allocated elsewhere with `allocator`.
    func adopt(_ block: UnsafeMutableRawPointer, bytes size: Int) {
        blocks.append(block)
        bytes += size
    }

    func store<T: BitwiseCopyable>(_ value: T) throws -> UnsafeMutablePointer<T> {
        try store([value])
    }
}
