/// Hands non-`Sendable` objects to a thread that is the only one using them (or, for the
/// symbol table, that follows its single-writer rule) until it signals the end.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
