extension KeyedDecodingContainer {
    /// Decodes `key` when present, else returns `defaultValue` (configuration defaults).
    @inlinable
    public func decode<T: Decodable>(_ key: Key, default defaultValue: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue()
    }
}
