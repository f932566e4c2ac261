/// Feature hash → row of the model's tables, as an open-addressing table with linear probing.
///
/// The hashes are already well mixed (FNV-1a over the feature's scalars), so a multiply and a shift pick
/// the slot; Swift's `Dictionary` would hash every key again with SipHash, and the lookups of a report's
/// few hundred features were a fifth of a classification's time.
struct FeatureIndex: Sendable {
    /// The hash of each slot; `FeatureIndex.empty` marks an unused one.
    private let keys: [UInt64]
    /// The row of each used slot.
    private let values: [Int32]
    /// `64 − log2(slot count)`: the high bits of the scrambled hash pick the slot.
    private let shift: UInt64
    /// Number of features.
    let count: Int

    /// Marks an empty slot. A feature whose hash is this value is stored as `substitute` instead (one hash
    /// in 2⁶⁴; the two would share a row).
    static let empty: UInt64 = 0
    static let substitute: UInt64 = 1

    /// An index of `rows` (row numbers are the dictionary's values), at most half full.
    init(_ rows: [UInt64: Int32]) {
        var slots = 16
        while slots < rows.count * 2 { slots *= 2 }
        var keys = [UInt64](repeating: Self.empty, count: slots)
        var values = [Int32](repeating: -1, count: slots)
        let shift = UInt64(64 - slots.trailingZeroBitCount)
        let mask = slots - 1
        for (hash, row) in rows {
            let key = Self.key(hash)
            var slot = Self.slot(key, shift)
            while keys[slot] != Self.empty { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = row
        }
        self.keys = keys
        self.values = values
        self.shift = shift
        self.count = rows.count
    }

    @inline(__always)
    static func key(_ hash: UInt64) -> UInt64 { hash == empty ? substitute : hash }

    @inline(__always)
    static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The row of `hash`, or nil when the model never saw it.
    @inline(__always)
    subscript(hash: UInt64) -> Int32? {
        let key = Self.key(hash)
        let mask = keys.count - 1
        var slot = Self.slot(key, shift)
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let found = keys[slot]
                if found == key { return values[slot] }
                if found == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Bytes held by the slots.
    var memoryBytes: Int {
        keys.capacity * MemoryLayout<UInt64>.stride + values.capacity * MemoryLayout<Int32>.stride
    }
}
