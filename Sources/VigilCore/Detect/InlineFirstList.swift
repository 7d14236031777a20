/// A list that keeps its first element inline and only the rest in an array.
///
/// The SSH rules keep a little state for every client that failed once, and most clients fail
/// once: on a busy server, hundreds of thousands of them per window. An array per client was a
/// heap allocation and a reference count per client (a third of the rules' cost in perf); with
/// the first element inline, a client that fails once costs no allocation at all.
struct InlineFirstList<Element> {
    private var first: Element?
    private var rest: [Element] = []

    init() {}

    init(_ elements: [Element]) {
        for element in elements { append(element) }
    }

    var count: Int { first == nil ? 0 : 1 + rest.count }
    var isEmpty: Bool { first == nil }

    subscript(index: Int) -> Element {
        get { index == 0 ? first! : rest[index - 1] }
        set {
            if index == 0 { first = newValue } else { rest[index - 1] = newValue }
        }
    }

    mutating func append(_ element: Element) {
        if first == nil { first = element } else { rest.append(element) }
    }

    /// Keeps the elements for which `keep` is true, in order.
    mutating func keep(where keep: (Element) -> Bool) {
        guard let head = first else { return }
        if keep(head) && rest.allSatisfy(keep) { return }
        var kept: [Element] = []
        if keep(head) { kept.append(head) }
        for element in rest where keep(element) { kept.append(element) }
        self = InlineFirstList(kept)
    }

    mutating func removeAll() {
        first = nil
        rest = []
    }

    var elements: [Element] {
        guard let first else { return [] }
        return [first] + rest
    }

    func contains(where predicate: (Element) -> Bool) -> Bool {
        guard let first else { return false }
        return predicate(first) || rest.contains(where: predicate)
    }

    func firstIndex(where predicate: (Element) -> Bool) -> Int? {
        guard let first else { return nil }
        if predicate(first) { return 0 }
        return rest.firstIndex(where: predicate).map { $0 + 1 }
    }

    func reduce<Result>(_ initial: Result, _ next: (Result, Element) -> Result) -> Result {
        guard let first else { return initial }
        return rest.reduce(next(initial, first), next)
    }
}

/// Iterating without building an array: snapshots walk every client's list at each checkpoint,
/// and `elements` allocated an array per client (a third of the slow rule's snapshot).
extension InlineFirstList: Sequence {
    struct Iterator: IteratorProtocol {
        private let list: InlineFirstList
        private var index = 0

        init(_ list: InlineFirstList) { self.list = list }

        mutating func next() -> Element? {
            guard index < list.count else { return nil }
            defer { index += 1 }
            return list[index]
        }
    }

    func makeIterator() -> Iterator { Iterator(self) }

    var underestimatedCount: Int { count }
}
