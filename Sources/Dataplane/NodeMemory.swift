import CDPDK
import VMSwitchCore

public struct SwitchError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Hugepage memory on NUMA nodes, freed together when the switch stops.
final class NodeMemory {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// `count` zeroed elements on `node` (-1: any node).
    func allocate<T: ~Copyable>(_ type: T.Type, count: Int, node: Int) throws -> UnsafeMutablePointer<T> {
        let bytes = max(count, 1) * MemoryLayout<T>.stride
        guard let raw = cdpdk_zmalloc_socket(bytes, Int32(node)) else {
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

    /// A table allocator for compiled policies on `node`.
    static func tableAllocator(node: Int) -> TableAllocator {
        TableAllocator(allocate: { cdpdk_zmalloc_socket($0, Int32(node)) }, release: { cdpdk_free($0) })
    }
}
