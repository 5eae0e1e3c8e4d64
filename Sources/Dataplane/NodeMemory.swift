import CDPDK
import VMSwitchCore

public struct SwitchError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Hugepage memory on NUMA nodes, freed together when the switch stops.
final class NodeMemory {
    private var blocks: [UnsafeMutableRawPointer] = []
    /// Nodes that had no memory to give, whose data went to another node instead.
    private(set) var fallbackNodes: Set<Int> = []

    /// `count` zeroed elements on `node` (-1: any node), or on any node when `node` has no memory
    /// left (recorded in `fallbackNodes`: slower, not broken).
    func allocate<T: ~Copyable>(_ type: T.Type, count: Int, node: Int) throws -> UnsafeMutablePointer<T> {
        let bytes = max(count, 1) * MemoryLayout<T>.stride
        var block = cdpdk_zmalloc_socket(bytes, Int32(node))
        if block == nil && node >= 0 {
            block = cdpdk_zmalloc_socket(bytes, -1)
            if block != nil { fallbackNodes.insert(node) }
        }
        guard let raw = block else {
            throw SwitchError("out of hugepage memory on node \(node) (\(bytes) bytes)")
        }
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// Frees one block from `allocate` before the rest.
    func free(_ pointer: UnsafeMutableRawPointer) {
        guard let index = blocks.firstIndex(of: pointer) else { return }
        blocks.remove(at: index)
        cdpdk_free(pointer)
    }

    func freeAll() {
        blocks.forEach { cdpdk_free($0) }
        blocks.removeAll()
    }

    /// A table allocator for compiled policies on `node` (any node when that one has no memory).
    static func tableAllocator(node: Int) -> TableAllocator {
        TableAllocator(allocate: { cdpdk_zmalloc_socket($0, Int32(node)) ?? cdpdk_zmalloc_socket($0, -1) },
                       release: { cdpdk_free($0) })
    }
}
