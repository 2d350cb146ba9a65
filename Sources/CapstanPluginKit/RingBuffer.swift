/// The last `capacity` elements appended, oldest first: a plugin's recent stderr lines.
public struct RingBuffer<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the next element goes once `storage` is full.
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// The kept elements, oldest first.
    public var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }
}
