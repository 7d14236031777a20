/// A binary min-heap of (priority, value) pairs; ties pop in no particular order, so callers
/// must not let the order of equal priorities decide anything visible.
struct MinHeap<Priority: Comparable, Value> {
    private var items: [(Priority, Value)] = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    func peek() -> (Priority, Value)? { items.first }

    mutating func push(_ p: Priority, _ v: Value) {
        items.append((p, v))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].0 <= items[i].0 { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    @discardableResult
    mutating func pop() -> (Priority, Value)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].0 < items[m].0 { m = l }
            if r < items.count && items[r].0 < items[m].0 { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
