import Foundation
import JSON

/// A small JSON Schema validator — the subset of drafts 07 and 2020-12 that Open137's contracts use
/// (the AsyncAPI payloads, the OpenAPI schemas, the Open311 GeoReport v2 schemas).
///
/// Supported: boolean schemas; `type` (one or a list; `integer` is a number without fraction), `enum`,
/// `const`; `minLength`, `maxLength`, `pattern` (NSRegularExpression, unanchored as in JSON Schema),
/// `format` (`date-time`, `date`, `time`, `uuid`, `email`, `uri`, `uri-reference`; light checks, other
/// formats are ignored); `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`;
/// `required`, `properties`, `patternProperties`, `additionalProperties` (bool or schema),
/// `propertyNames`, `minProperties`, `maxProperties`; `items` (schema, or list as in draft 07 with
/// `additionalItems`), `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `contains`; `allOf`,
/// `anyOf`, `oneOf`, `not`, `if`/`then`/`else`; `$ref` to `#/…` in the same document or to another file
/// beside it (`request.json`, `other.yaml#/…`), with its sibling keywords applied as in 2020-12; and
/// OpenAPI 3.0's `nullable: true`. Annotations (`description`, `title`, `examples`, `x-…`) are ignored.
///
/// One file of ~450 lines on purpose: every keyword is a case of one recursive walk over the same
/// instance, path and reference context, and reads best as one table of cases.
public struct JSONSchemaValidator: Sendable {
    /// The document schemas and `#/…` references are resolved in.
    public let document: JSONValue
    /// The file the document came from: references to other files resolve against its folder.
    public let documentPath: String?

    /// Creates a validator over a parsed document.
    public init(document: JSONValue, documentPath: String? = nil) {
        self.document = document
        self.documentPath = documentPath
    }

    /// Loads a schema document (JSON, or YAML by extension).
    public static func load(from path: String) throws(DocumentLoadingError) -> JSONSchemaValidator {
        JSONSchemaValidator(document: try JSONDocuments.load(from: path), documentPath: path)
    }

    /// Validates `instance` against the schema at `schemaPointer` in the document ("" = the whole
    /// document is the schema). An empty result means the instance is valid.
    public func validate(_ instance: JSONValue, at schemaPointer: String = "") -> [SchemaValidationError] {
        let pointer = schemaPointer.hasPrefix("#") ? String(schemaPointer.dropFirst()) : schemaPointer
        guard let schema = JSONPointer.resolve(pointer, in: document) else {
            return [SchemaValidationError(instancePath: "", schemaPath: pointer, keyword: "$ref", message: "no schema at \(pointer)")]
        }
        let run = Run(root: Run.Source(document: document, path: documentPath))
        run.check(instance, schema, source: run.root, instancePath: "", schemaPath: pointer, depth: 0)
        return run.errors
    }

    /// Validates `instance` against a schema given inline; its `#/…` references resolve in the document.
    public func validate(_ instance: JSONValue, against schema: JSONValue) -> [SchemaValidationError] {
        let run = Run(root: Run.Source(document: document, path: documentPath))
        run.check(instance, schema, source: run.root, instancePath: "", schemaPath: "", depth: 0)
        return run.errors
    }

    /// Validates JSON text against the schema at `schemaPointer`; text that is not JSON is one error.
    public func validate(json bytes: [UInt8], at schemaPointer: String = "") -> [SchemaValidationError] {
        guard let instance = try? JSONDocuments.parse(json: bytes) else {
            return [SchemaValidationError(instancePath: "", schemaPath: schemaPointer, keyword: "json", message: "not JSON")]
        }
        return validate(instance, at: schemaPointer)
    }
}

extension JSONSchemaValidator {
    /// The state of one validation: errors found, files loaded by `$ref`, regular expressions compiled.
    private final class Run {
        /// A document references resolve in, and where it came from.
        struct Source {
            /// The parsed document.
            var document: JSONValue
            /// Its file, for references to files beside it.
            var path: String?
            /// Prefix of schema paths in this document (empty for the root document).
            var label: String = ""
        }

        /// The document the validation started in.
        let root: Source
        /// What failed so far, in the order found.
        var errors: [SchemaValidationError] = []
        private var files: [String: JSONValue] = [:]
        private var regexes: [String: NSRegularExpression?] = [:]
        private static let maxDepth = 64

        /// Starts a validation in `root`.
        init(root: Source) {
            self.root = root
        }

        private func fail(_ instancePath: String, _ schemaPath: String, _ keyword: String, _ message: String) {
            errors.append(SchemaValidationError(
                instancePath: instancePath,
                schemaPath: schemaPath + "/" + JSONPointer.escape(keyword),
                keyword: keyword,
                message: message
            ))
        }

        /// Validates in a scratch run and reports whether the instance passed, with the errors it found.
        private func probe(_ instance: JSONValue, _ schema: JSONValue, source: Source, instancePath: String, schemaPath: String, depth: Int) -> [SchemaValidationError] {
            let saved = errors
            errors = []
            check(instance, schema, source: source, instancePath: instancePath, schemaPath: schemaPath, depth: depth)
            let found = errors
            errors = saved
            return found
        }

        // MARK: The walk

        /// Checks `instance` against `schema` (found at `schemaPath` in `source`), appending to `errors`.
        func check(_ instance: JSONValue, _ schema: JSONValue, source: Source, instancePath: String, schemaPath: String, depth: Int) {
            guard depth < Run.maxDepth else {
                errors.append(SchemaValidationError(instancePath: instancePath, schemaPath: schemaPath, keyword: "$ref", message: "schema nesting deeper than \(Run.maxDepth) (a $ref cycle?)"))
                return
            }
            let schemaObject: [String: JSONValue]
            switch schema {
            case .bool(true): return
            case .bool(false):
                errors.append(SchemaValidationError(instancePath: instancePath, schemaPath: schemaPath, keyword: "false", message: "no value is allowed here"))
                return
            case .object(let members): schemaObject = members
            default:
                errors.append(SchemaValidationError(instancePath: instancePath, schemaPath: schemaPath, keyword: "schema", message: "the schema is neither an object nor a boolean"))
                return
            }
            let s = schemaObject
            func sub(_ keyword: String) -> String { schemaPath + "/" + JSONPointer.escape(keyword) }

            if case .string(let reference)? = s["$ref"] {
                if let (target, targetSource, targetPath) = resolve(reference, from: source) {
                    check(instance, target, source: targetSource, instancePath: instancePath, schemaPath: targetPath, depth: depth + 1)
                } else {
                    fail(instancePath, schemaPath, "$ref", "cannot resolve \(reference)")
                }
            }

            checkType(instance, s, instancePath: instancePath, schemaPath: schemaPath)
            if case .array(let allowed)? = s["enum"], !allowed.contains(instance) {
                fail(instancePath, schemaPath, "enum", "\(render(instance)) is not one of \(allowed.map(render).joined(separator: ", "))")
            }
            if let constant = s["const"], constant != instance {
                fail(instancePath, schemaPath, "const", "\(render(instance)) is not \(render(constant))")
            }

            switch instance {
            case .string(let string): checkString(string, s, instancePath: instancePath, schemaPath: schemaPath)
            case .number(let number): checkNumber(number, s, instancePath: instancePath, schemaPath: schemaPath)
            case .object(let members): checkObject(members, s, source: source, instancePath: instancePath, schemaPath: schemaPath, depth: depth)
            case .array(let items): checkArray(items, s, source: source, instancePath: instancePath, schemaPath: schemaPath, depth: depth)
            case .bool, .null: break
            }

            if case .array(let branches)? = s["allOf"] {
                for (index, branch) in branches.enumerated() {
                    check(instance, branch, source: source, instancePath: instancePath, schemaPath: sub("allOf") + "/\(index)", depth: depth + 1)
                }
            }
            if case .array(let branches)? = s["anyOf"] {
                let outcomes = branches.enumerated().map { index, branch in
                    probe(instance, branch, source: source, instancePath: instancePath, schemaPath: sub("anyOf") + "/\(index)", depth: depth + 1)
                }
                if !outcomes.contains(where: \.isEmpty) {
                    fail(instancePath, schemaPath, "anyOf", "matches none of the \(branches.count) alternatives (\(summary(outcomes)))")
                }
            }
            if case .array(let branches)? = s["oneOf"] {
                let outcomes = branches.enumerated().map { index, branch in
                    probe(instance, branch, source: source, instancePath: instancePath, schemaPath: sub("oneOf") + "/\(index)", depth: depth + 1)
                }
                let passed = outcomes.filter(\.isEmpty).count
                if passed == 0 {
                    fail(instancePath, schemaPath, "oneOf", "matches none of the \(branches.count) alternatives (\(summary(outcomes)))")
                } else if passed > 1 {
                    fail(instancePath, schemaPath, "oneOf", "matches \(passed) of the alternatives, exactly one is allowed")
                }
            }
            if let negated = s["not"], probe(instance, negated, source: source, instancePath: instancePath, schemaPath: sub("not"), depth: depth + 1).isEmpty {
                fail(instancePath, schemaPath, "not", "matches a schema it must not match")
            }
            if let condition = s["if"] {
                if probe(instance, condition, source: source, instancePath: instancePath, schemaPath: sub("if"), depth: depth + 1).isEmpty {
                    if let then = s["then"] { check(instance, then, source: source, instancePath: instancePath, schemaPath: sub("then"), depth: depth + 1) }
                } else if let otherwise = s["else"] {
                    check(instance, otherwise, source: source, instancePath: instancePath, schemaPath: sub("else"), depth: depth + 1)
                }
            }
        }

        // MARK: Keywords by instance type

        private func checkType(_ instance: JSONValue, _ s: [String: JSONValue], instancePath: String, schemaPath: String) {
            let names: [String]
            switch s["type"] {
            case .string(let name)?: names = [name]
            case .array(let list)?: names = list.compactMap(\.stringValue)
            default: return
            }
            if case .null = instance, s["nullable"] == .bool(true) { return }
            if !names.contains(where: { Run.instance(instance, hasType: $0) }) {
                fail(instancePath, schemaPath, "type", "\(Run.typeName(of: instance)) is not \(names.joined(separator: " or "))")
            }
        }

        private static func instance(_ instance: JSONValue, hasType name: String) -> Bool {
            switch (name, instance) {
            case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string), ("number", .number):
                return true
            case ("integer", .number(let n)):
                return n.isFinite && n.rounded() == n
            default:
                return false
            }
        }

        private static func typeName(of instance: JSONValue) -> String {
            switch instance {
            case .null: return "null"
            case .bool: return "boolean"
            case .object: return "object"
            case .array: return "array"
            case .string: return "string"
            case .number(let n): return n.isFinite && n.rounded() == n ? "integer" : "number"
            }
        }

        private func checkString(_ string: String, _ s: [String: JSONValue], instancePath: String, schemaPath: String) {
            let length = string.unicodeScalars.count
            if let minimum = s["minLength"]?.numberValue, Double(length) < minimum {
                fail(instancePath, schemaPath, "minLength", "is \(length) characters long, shorter than \(Int(minimum))")
            }
            if let maximum = s["maxLength"]?.numberValue, Double(length) > maximum {
                fail(instancePath, schemaPath, "maxLength", "is \(length) characters long, longer than \(Int(maximum))")
            }
            if case .string(let pattern)? = s["pattern"] {
                if let regex = regex(pattern) {
                    let range = NSRange(string.startIndex..<string.endIndex, in: string)
                    if regex.firstMatch(in: string, options: [], range: range) == nil {
                        fail(instancePath, schemaPath, "pattern", "\(render(.string(string))) does not match \(pattern)")
                    }
                } else {
                    fail(instancePath, schemaPath, "pattern", "the schema's pattern \(pattern) is not a valid regular expression")
                }
            }
            if case .string(let format)? = s["format"], let valid = Run.format(format, accepts: string), !valid {
                fail(instancePath, schemaPath, "format", "\(render(.string(string))) is not a valid \(format)")
            }
        }

        private func checkNumber(_ number: Double, _ s: [String: JSONValue], instancePath: String, schemaPath: String) {
            // Draft 04's boolean exclusiveMinimum/exclusiveMaximum make minimum/maximum exclusive.
            let exclusiveMinimumFlag = s["exclusiveMinimum"] == .bool(true)
            let exclusiveMaximumFlag = s["exclusiveMaximum"] == .bool(true)
            if let minimum = s["minimum"]?.numberValue, exclusiveMinimumFlag ? number <= minimum : number < minimum {
                fail(instancePath, schemaPath, "minimum", "\(render(.number(number))) is less than \(exclusiveMinimumFlag ? "or equal to " : "")\(render(.number(minimum)))")
            }
            if let maximum = s["maximum"]?.numberValue, exclusiveMaximumFlag ? number >= maximum : number > maximum {
                fail(instancePath, schemaPath, "maximum", "\(render(.number(number))) is greater than \(exclusiveMaximumFlag ? "or equal to " : "")\(render(.number(maximum)))")
            }
            if let bound = s["exclusiveMinimum"]?.numberValue, number <= bound {
                fail(instancePath, schemaPath, "exclusiveMinimum", "\(render(.number(number))) is not greater than \(render(.number(bound)))")
            }
            if let bound = s["exclusiveMaximum"]?.numberValue, number >= bound {
                fail(instancePath, schemaPath, "exclusiveMaximum", "\(render(.number(number))) is not less than \(render(.number(bound)))")
            }
            if let divisor = s["multipleOf"]?.numberValue, divisor > 0 {
                let quotient = number / divisor
                if !quotient.isFinite || abs(quotient - quotient.rounded()) > 1e-9 {
                    fail(instancePath, schemaPath, "multipleOf", "\(render(.number(number))) is not a multiple of \(render(.number(divisor)))")
                }
            }
        }

        private func checkObject(_ members: [String: JSONValue], _ s: [String: JSONValue], source: Source, instancePath: String, schemaPath: String, depth: Int) {
            func sub(_ keyword: String) -> String { schemaPath + "/" + JSONPointer.escape(keyword) }
            func child(_ key: String) -> String { instancePath + "/" + JSONPointer.escape(key) }

            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where members[name] == nil {
                    fail(instancePath, schemaPath, "required", "the required property \(render(.string(name))) is missing")
                }
            }
            if let minimum = s["minProperties"]?.numberValue, Double(members.count) < minimum {
                fail(instancePath, schemaPath, "minProperties", "has \(members.count) properties, fewer than \(Int(minimum))")
            }
            if let maximum = s["maxProperties"]?.numberValue, Double(members.count) > maximum {
                fail(instancePath, schemaPath, "maxProperties", "has \(members.count) properties, more than \(Int(maximum))")
            }
            let properties = s["properties"]?.objectValue ?? [:]
            let patternProperties = s["patternProperties"]?.objectValue ?? [:]
            for key in members.keys.sorted() {
                let value = members[key]!
                var evaluated = false
                if let propertySchema = properties[key] {
                    evaluated = true
                    check(value, propertySchema, source: source, instancePath: child(key), schemaPath: sub("properties") + "/" + JSONPointer.escape(key), depth: depth + 1)
                }
                for pattern in patternProperties.keys.sorted() {
                    guard let regex = regex(pattern) else { continue }
                    if regex.firstMatch(in: key, options: [], range: NSRange(key.startIndex..<key.endIndex, in: key)) != nil {
                        evaluated = true
                        check(value, patternProperties[pattern]!, source: source, instancePath: child(key), schemaPath: sub("patternProperties") + "/" + JSONPointer.escape(pattern), depth: depth + 1)
                    }
                }
                if !evaluated, let additional = s["additionalProperties"] {
                    if additional == .bool(false) {
                        fail(child(key), schemaPath, "additionalProperties", "the property \(render(.string(key))) is not allowed")
                    } else {
                        check(value, additional, source: source, instancePath: child(key), schemaPath: sub("additionalProperties"), depth: depth + 1)
                    }
                }
                if let names = s["propertyNames"] {
                    check(.string(key), names, source: source, instancePath: child(key), schemaPath: sub("propertyNames"), depth: depth + 1)
                }
            }
        }

        private func checkArray(_ items: [JSONValue], _ s: [String: JSONValue], source: Source, instancePath: String, schemaPath: String, depth: Int) {
            func sub(_ keyword: String) -> String { schemaPath + "/" + JSONPointer.escape(keyword) }
            if let minimum = s["minItems"]?.numberValue, Double(items.count) < minimum {
                fail(instancePath, schemaPath, "minItems", "has \(items.count) items, fewer than \(Int(minimum))")
            }
            if let maximum = s["maxItems"]?.numberValue, Double(items.count) > maximum {
                fail(instancePath, schemaPath, "maxItems", "has \(items.count) items, more than \(Int(maximum))")
            }
            if s["uniqueItems"] == .bool(true), Set(items).count != items.count {
                fail(instancePath, schemaPath, "uniqueItems", "has duplicate items")
            }
            // Tuple forms: 2020-12 prefixItems + items, or draft 07 items (list) + additionalItems.
            var prefix: [JSONValue] = []
            var prefixKeyword = "prefixItems"
            var rest: (schema: JSONValue, keyword: String)?
            if case .array(let list)? = s["prefixItems"] {
                prefix = list
                if let items = s["items"] { rest = (items, "items") }
            } else if case .array(let list)? = s["items"] {
                prefix = list
                prefixKeyword = "items"
                if let additional = s["additionalItems"] { rest = (additional, "additionalItems") }
            } else if let items = s["items"] {
                rest = (items, "items")
            }
            for (index, item) in items.enumerated() {
                let itemPath = instancePath + "/\(index)"
                if index < prefix.count {
                    check(item, prefix[index], source: source, instancePath: itemPath, schemaPath: sub(prefixKeyword) + "/\(index)", depth: depth + 1)
                } else if let rest {
                    if rest.schema == .bool(false) {
                        fail(itemPath, schemaPath, rest.keyword, "no item is allowed past the first \(prefix.count)")
                    } else {
                        check(item, rest.schema, source: source, instancePath: itemPath, schemaPath: sub(rest.keyword), depth: depth + 1)
                    }
                }
            }
            if let contains = s["contains"] {
                let matched = items.enumerated().contains { index, item in
                    probe(item, contains, source: source, instancePath: instancePath + "/\(index)", schemaPath: sub("contains"), depth: depth + 1).isEmpty
                }
                if !matched {
                    fail(instancePath, schemaPath, "contains", "no item matches the `contains` schema")
                }
            }
        }

        // MARK: References

        /// The schema a `$ref` names, the document it lives in, and its schema path.
        private func resolve(_ reference: String, from source: Source) -> (JSONValue, Source, String)? {
            let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let filePart = parts[0]
            let fragment = parts.count > 1 ? parts[1] : ""
            var target = source
            if !filePart.isEmpty {
                guard !filePart.contains("://"), let base = source.path else { return nil }
                let path = URL(fileURLWithPath: base).deletingLastPathComponent().appendingPathComponent(filePart).standardizedFileURL.path
                let document: JSONValue
                if let loaded = files[path] {
                    document = loaded
                } else {
                    guard let loaded = try? JSONDocuments.load(from: path) else { return nil }
                    files[path] = loaded
                    document = loaded
                }
                target = Source(document: document, path: path, label: filePart + "#")
            }
            let pointer = fragment.removingPercentEncoding ?? fragment
            guard let schema = JSONPointer.resolve(pointer, in: target.document) else { return nil }
            return (schema, target, target.label + pointer)
        }

        // MARK: Helpers

        private func regex(_ pattern: String) -> NSRegularExpression? {
            if let cached = regexes[pattern] { return cached }
            let compiled = try? NSRegularExpression(pattern: pattern, options: [])
            regexes[pattern] = compiled
            return compiled
        }

        /// Whether `string` has `format`; nil for formats this validator does not check.
        private static func format(_ format: String, accepts string: String) -> Bool? {
            switch format {
            case "date-time":
                let parts = string.split(whereSeparator: { $0 == "T" || $0 == "t" }).map(String.init)
                return parts.count == 2 && isDate(parts[0]) && isTime(parts[1])
            case "date": return isDate(string)
            case "time": return isTime(string)
            case "uuid":
                return matches(string, "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
            case "email": return matches(string, "^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)*$")
            case "uri": return matches(string, "^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]*$")
            case "uri-reference": return !string.contains(where: \.isWhitespace)
            default: return nil
            }
        }

        private static func isDate(_ string: String) -> Bool {
            guard matches(string, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$") else { return false }
            let fields = string.split(separator: "-").compactMap { Int($0) }
            let (year, month, day) = (fields[0], fields[1], fields[2])
            guard (1...12).contains(month), day >= 1 else { return false }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            return day <= days
        }

        private static func isTime(_ string: String) -> Bool {
            guard matches(string, "^[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$") else { return false }
            let fields = string.prefix(8).split(separator: ":").compactMap { Int($0) }
            return fields[0] < 24 && fields[1] < 60 && fields[2] <= 60
        }

        private static func matches(_ string: String, _ pattern: String) -> Bool {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: []) else { return false }
            return regex.firstMatch(in: string, options: [], range: NSRange(string.startIndex..<string.endIndex, in: string)) != nil
        }

        private func render(_ value: JSONValue) -> String {
            switch value {
            case .null: return "null"
            case .bool(let b): return String(b)
            case .number(let n): return n.isFinite && n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .string(let s): return "\"" + (s.count > 80 ? String(s.prefix(77)) + "..." : s) + "\""
            case .array(let items): return "an array of \(items.count)"
            case .object: return "an object"
            }
        }

        private func summary(_ outcomes: [[SchemaValidationError]]) -> String {
            outcomes.enumerated().map { index, found in
                "\(index): " + (found.first.map { "\($0.instancePath.isEmpty ? "/" : $0.instancePath) \($0.message)" } ?? "ok")
            }.joined(separator: "; ")
        }
    }
}
