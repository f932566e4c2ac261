/// A filter parameter the committee API cannot use (answered 400 naming it).
public struct FilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The parameter.
    public var parameter: String
    /// What is wrong with it.
    public var message: String
    public var description: String { message }
}
