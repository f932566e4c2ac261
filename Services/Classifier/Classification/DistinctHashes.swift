/// The set of feature hashes already seen in one report: open addressing with linear probing, sized for
/// the report, at most half full. Cheaper than `Set<UInt64>` (no second hash) and than sorting the
/// features to find repeats.
struct DistinctHashes {
    private var slots: [UInt64]
    private let shift: UInt64
    /// Whether the one hash that collides with the empty marker was inserted.
    private var hasEmptyMarker = false

    /// A set for at most `capacity` hashes.
    init(capacity: Int) {
        var count = 16
        while count < capacity * 2 { count *= 2 }
        slots = [UInt64](repeating: 0, count: count)
        shift = UInt64(64 - count.trailingZeroBitCount)
    }

    /// Inserts `hash`; true when it was not there yet.
    @inline(__always)
    mutating func insert(_ hash: UInt64) -> Bool {
        if hash == 0 {
            defer { hasEmptyMarker = true }
            return !hasEmptyMarker
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
        return slots.withUnsafeMutableBufferPointer { slots in
            while true {
                let found = slots[slot]
                if found == hash { return false }
                if found == 0 {
                    slots[slot] = hash
                    return true
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
