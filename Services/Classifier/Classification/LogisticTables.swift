import Foundation

/// Softmax (multinomial logistic) regression over hashed features for several heads at once — the
/// service code, child or not, the priority — so one lookup per feature scores every head. Rows are the
/// features seen in training; columns are the classes of all heads side by side. A report's features
/// are binary and scaled to unit length, so long and short reports weigh alike.
///
/// Chosen over naive Bayes by cross-validation: overlapping n-grams are strongly correlated, which naive
/// Bayes counts again and again (0.60 accuracy on the corpus) and a discriminative model does not.
struct LogisticTables: Sendable {
    /// One training example: its features (unique hashes with their raw weights) and its class per head
    /// (nil when the example has no label for that head).
    struct Example {
        var features: [(hash: UInt64, weight: Float)]
        var classes: [Int?]
    }

    /// Class count of each head, in column order.
    let heads: [Int]
    /// First column of each head.
    let headOffsets: [Int]
    /// Total columns.
    let columns: Int
    /// Feature hash → row.
    let rows: FeatureIndex
    /// `rows.count × columns` weights, row-major.
    let weights: [Float]
    /// Bias of each column.
    let biases: [Double]

    /// Trains every head by stochastic gradient descent with L2 regularisation (a fixed shuffle seed,
    /// so the same corpus gives the same model).
    init(heads: [Int], examples: [Example], options: ModelOptions) {
        self.heads = heads
        var offsets: [Int] = []
        var total = 0
        for count in heads {
            offsets.append(total)
            total += count
        }
        headOffsets = offsets
        columns = total

        var rows: [UInt64: Int32] = [:]
        var encoded: [(rows: [Int32], values: [Float], classes: [Int?])] = []
        encoded.reserveCapacity(examples.count)
        for example in examples {
            var exampleRows: [Int32] = []
            var values: [Float] = []
            exampleRows.reserveCapacity(example.features.count)
            for feature in example.features {
                let row: Int32
                if let existing = rows[feature.hash] {
                    row = existing
                } else {
                    row = Int32(rows.count)
                    rows[feature.hash] = row
                }
                exampleRows.append(row)
                values.append(feature.weight)
            }
            Self.normalize(&values)
            encoded.append((exampleRows, values, example.classes))
        }

        var weights = [Float](repeating: 0, count: rows.count * total)
        var biases = [Double](repeating: 0, count: total)
        var order = Array(encoded.indices)
        var generator = SplitMix64(seed: 0x137)
        var scores = [Double](repeating: 0, count: total)
        let l2 = Float(options.l2)
        weights.withUnsafeMutableBufferPointer { weights in
            for epoch in 0..<options.epochs {
                order.shuffle(using: &generator)
                let rate = options.learningRate / (1 + Double(epoch) * 0.3)
                for index in order {
                    let example = encoded[index]
                    for (head, label) in example.classes.enumerated() {
                        guard let label else { continue }
                        let offset = offsets[head]
                        let count = heads[head]
                        for column in offset..<(offset + count) { scores[column] = biases[column] }
                        for (position, row) in example.rows.enumerated() {
                            let value = Double(example.values[position])
                            let base = Int(row) * total
                            for column in offset..<(offset + count) { scores[column] += value * Double(weights[base + column]) }
                        }
                        var top = -Double.infinity
                        for column in offset..<(offset + count) { top = max(top, scores[column]) }
                        var sum = 0.0
                        for column in offset..<(offset + count) {
                            scores[column] = exp(scores[column] - top)
                            sum += scores[column]
                        }
                        // scores now holds the gradient of the loss with respect to each score.
                        for column in offset..<(offset + count) {
                            scores[column] = scores[column] / sum - (column - offset == label ? 1 : 0)
                            biases[column] -= rate * scores[column]
                        }
                        let step = Float(rate)
                        for (position, row) in example.rows.enumerated() {
                            let value = example.values[position]
                            let base = Int(row) * total
                            for column in offset..<(offset + count) {
                                let weight = weights[base + column]
                                weights[base + column] = weight - step * (Float(scores[column]) * value + l2 * weight)
                            }
                        }
                    }
                }
            }
        }
        self.rows = FeatureIndex(rows)
        self.weights = weights
        self.biases = biases
    }

    /// Scales `values` to unit Euclidean length.
    static func normalize(_ values: inout [Float]) {
        var sum: Float = 0
        for value in values { sum += value * value }
        guard sum > 0 else { return }
        let scale = 1 / sum.squareRoot()
        for index in values.indices { values[index] *= scale }
    }

    /// Bytes held by the tables (weights, biases and the feature index's slots).
    var memoryBytes: Int {
        weights.capacity * MemoryLayout<Float>.stride + biases.capacity * MemoryLayout<Double>.stride + rows.memoryBytes
    }
}
