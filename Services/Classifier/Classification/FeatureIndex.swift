/// Feature hash → row of the model's tables, as an open-addressing table with linear probing.
///
/// The hashes are already well mixed (FNV-1a over the feature's scalars), so a multiply and a shift pick
/// the slot; Swift's `Dictionary` would hash every key again with SipHash. A slot is 8 bytes — a 32-bit
/// fingerprint of the hash beside the row — so each lookup touches one cache line: with the weights row
/// it is one of the two memory misses a feature costs, which is most of a classification's time. The
/// slot's position carries the hash's high bits and the fingerprint its low 32, so two features are
/// confused only when about 49 bits agree (for the shipped model, less than one chance in 10⁵ that any
/// pair of its features do).
struct FeatureIndex: Sendable {
    /// Fingerprint in the high 32 bits, row + 1 in the low 32; 0 marks an empty slot.
    private let slots: [UInt64]
    /// `64 − log2(slot count)`: the high bits of the scrambled hash pick the slot.
    private let shift: UInt64
    /// Number of features.
    let count: Int

    /// An index of `rows` (row numbers are the dictionary's values), at most half full.
    init(_ rows: [UInt64: Int32]) {
        var size = 16
        while size < rows.count * 2 { size *= 2 }
        var slots = [UInt64](repeating: 0, count: size)
        let shift = UInt64(64 - size.trailingZeroBitCount)
        let mask = size - 1
        // In row order, so the same model lays out the same table in every process (a dictionary's order
        // is not); rows are 0..<count.
        var hashes = [UInt64](repeating: 0, count: rows.count)
        for (hash, row) in rows { hashes[Int(row)] = hash }
        for (row, hash) in hashes.enumerated() {
            var slot = Self.slot(hash, shift)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Self.fingerprint(hash) << 32 | UInt64(UInt32(row) + 1)
        }
        self.slots = slots
        self.shift = shift
        self.count = rows.count
    }

    /// The first slot to probe for `hash` in a table of `64 − shift` address bits.
    @inline(__always)
    static func slot(_ hash: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The low 32 bits of `hash`, kept in the slot to tell features apart.
    @inline(__always)
    static func fingerprint(_ hash: UInt64) -> UInt64 {
        hash & 0xFFFF_FFFF
    }

    /// The row of `hash`, or nil when the model never saw it.
    @inline(__always)
    subscript(hash: UInt64) -> Int32? {
        let fingerprint = Self.fingerprint(hash)
        let mask = slots.count - 1
        var slot = Self.slot(hash, shift)
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let found = slots[slot]
                if found == 0 { return nil }
                if found >> 32 == fingerprint { return Int32(truncatingIfNeeded: found & 0xFFFF_FFFF) - 1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The row of each of `hashes` (-1 for a feature the model never saw), in two passes: first every
    /// first-choice slot is loaded with no branch between the loads, so the processor fetches many at
    /// once instead of waiting for each miss in turn; then each is resolved from cache.
    func rows(of hashes: [UInt64]) -> [Int32] {
        var rows = [Int32](repeating: -1, count: hashes.count)
        var first = [UInt64](repeating: 0, count: hashes.count)
        let mask = slots.count - 1
        slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                first.withUnsafeMutableBufferPointer { first in
                    for index in 0..<hashes.count { first[index] = slots[Self.slot(hashes[index], shift)] }
                }
                rows.withUnsafeMutableBufferPointer { rows in
                    for index in 0..<hashes.count {
                        let fingerprint = Self.fingerprint(hashes[index])
                        var found = first[index]
                        var slot = Self.slot(hashes[index], shift)
                        while found != 0 {
                            if found >> 32 == fingerprint {
                                rows[index] = Int32(truncatingIfNeeded: found & 0xFFFF_FFFF) - 1
                                break
                            }
                            slot = (slot + 1) & mask
                            found = slots[slot]
                        }
                    }
                }
            }
        }
        return rows
    }

    /// Bytes held by the slots.
    var memoryBytes: Int {
        slots.capacity * MemoryLayout<UInt64>.stride
    }
}
