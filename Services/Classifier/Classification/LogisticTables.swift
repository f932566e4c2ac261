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

        // The examples flattened into three arrays (rows, values, and where each example starts), so the
        // loop below touches raw buffers only: training runs in every debug-build test that needs a model,
        // where each array subscript is a call with checks.
        var rows: [UInt64: Int32] = [:]
        var flatRows: [Int32] = []
        var flatValues: [Float] = []
        var starts: [Int] = [0]
        let headCount = heads.count
        var labels = [Int](repeating: -1, count: examples.count * headCount)  // -1: no label for that head
        for (number, example) in examples.enumerated() {
            var values: [Float] = []
            values.reserveCapacity(example.features.count)
            for feature in example.features {
                let row: Int32
                if let existing = rows[feature.hash] {
                    row = existing
                } else {
                    row = Int32(rows.count)
                    rows[feature.hash] = row
                }
                flatRows.append(row)
                values.append(feature.weight)
            }
            Self.normalize(&values)
            flatValues += values
            starts.append(flatRows.count)
            for (head, label) in example.classes.enumerated() where head < headCount {
                if let label { labels[number * headCount + head] = label }
            }
        }

        var weights = [Float](repeating: 0, count: rows.count * total)
        var biases = [Double](repeating: 0, count: total)
        var order = Array(examples.indices)
        var generator = SplitMix64(seed: 0x137)
        var scores = [Double](repeating: 0, count: total)
        let l2 = Float(options.l2)
        for epoch in 0..<options.epochs {
            order.shuffle(using: &generator)
            let rate = options.learningRate / (1 + Double(epoch) * 0.3)
            let step = Float(rate)
            weights.withUnsafeMutableBufferPointer { weights in
            biases.withUnsafeMutableBufferPointer { biases in
            scores.withUnsafeMutableBufferPointer { scores in
            flatRows.withUnsafeBufferPointer { flatRows in
            flatValues.withUnsafeBufferPointer { flatValues in
                for index in order {
                    let first = starts[index], last = starts[index + 1]
                    for head in 0..<headCount {
                        let label = labels[index * headCount + head]
                        guard label >= 0 else { continue }
                        let offset = offsets[head]
                        let end = offset + heads[head]
                        var column = offset
                        while column < end { scores[column] = biases[column]; column += 1 }
                        var position = first
                        while position < last {
                            let value = Double(flatValues[position])
                            let base = Int(flatRows[position]) * total
                            column = offset
                            while column < end { scores[column] += value * Double(weights[base + column]); column += 1 }
                            position += 1
                        }
                        var top = -Double.infinity
                        column = offset
                        while column < end { top = max(top, scores[column]); column += 1 }
                        var sum = 0.0
                        column = offset
                        while column < end {
                            scores[column] = exp(scores[column] - top)
                            sum += scores[column]
                            column += 1
                        }
                        // scores now holds the gradient of the loss with respect to each score.
                        column = offset
                        while column < end {
                            scores[column] = scores[column] / sum - (column - offset == label ? 1 : 0)
                            biases[column] -= rate * scores[column]
                            column += 1
                        }
                        position = first
                        while position < last {
                            let value = flatValues[position]
                            let base = Int(flatRows[position]) * total
                            column = offset
                            while column < end {
                                let weight = weights[base + column]
                                weights[base + column] = weight - step * (Float(scores[column]) * value + l2 * weight)
                                column += 1
                            }
                            position += 1
                        }
                    }
                }
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
