import JSON

extension JSONValue {
    /// The value at a JSON Pointer below this one, or nil.
    public func value(at pointer: String) -> JSONValue? {
        JSONPointer.resolve(pointer, in: self)
    }
}
