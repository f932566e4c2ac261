import Taxonomy

extension Open311Node {
    /// `GET services`: every service of the taxonomy, the child-friendly city group first, names and
    /// descriptions in `language`. `metadata` is true when the service has attributes to ask for.
    static func services(_ taxonomy: Taxonomy, language: Open311Language) -> Open311Node {
        let groupOrder = Dictionary(uniqueKeysWithValues: taxonomy.groups.enumerated().map { ($1.code, $0) })
        let groupNames = Dictionary(uniqueKeysWithValues: taxonomy.groups.map { ($0.code, $0.name.text(for: language.code)) })
        let ordered = taxonomy.services.enumerated().sorted { first, second in
            // Child-friendly codes lead whatever the file's order; then the file's group order, then its service order.
            let firstRank = (first.element.isChildFriendly ? 0 : 1, groupOrder[first.element.group] ?? Int.max, first.offset)
            let secondRank = (second.element.isChildFriendly ? 0 : 1, groupOrder[second.element.group] ?? Int.max, second.offset)
            return firstRank < secondRank
        }.map(\.element)
        return .list(item: "service", ordered.map { service in
            var seen = Set<String>()
            let keywords = service.keywords.filter { seen.insert($0.lowercased()).inserted }
            return .object([
                Field("service_code", .string(service.code)),
                Field("service_name", .string(service.name.text(for: language.code))),
                Field("description", .string(service.description.text(for: language.code))),
                Field("metadata", .bool(!service.attributes.isEmpty)),
                // Every report gets its tracking code (service_request_id) in the POST's answer.
                Field("type", .string("realtime")),
                Field("keywords", keywords.isEmpty ? .null : .string(keywords.joined(separator: ", "))),
                Field("group", .text(groupNames[service.group])),
            ])
        })
    }

    /// `GET services/{code}`: the service definition — its attributes in their order, each a variable the
    /// client asks for, with the allowed values of list attributes.
    static func serviceDefinition(_ service: ServiceDefinition, language: Open311Language) -> Open311Node {
        let attributes = service.attributes.enumerated()
            .map { (order: $1.order > 0 ? $1.order : $0 + 1, attribute: $1) }
            .sorted { $0.order < $1.order }
        return .object([
            Field("service_code", .string(service.code)),
            Field("attributes", .list(item: "attribute", attributes.map { order, attribute in
                var fields: [Field] = [
                    Field("variable", .bool(true)),
                    Field("code", .string(attribute.code)),
                    Field("datatype", .string(attribute.datatype.rawValue)),
                    Field("required", .bool(attribute.required)),
                    Field("datatype_description", .text(datatypeDescription(attribute.datatype, language: language))),
                    Field("order", .integer(order)),
                    Field("description", .string(attribute.description.text(for: language.code))),
                ]
                if attribute.datatype == .singlevaluelist || attribute.datatype == .multivaluelist {
                    fields.append(Field("values", .list(item: "value", attribute.values.map { value in
                        .object([Field("key", .string(value.key)), Field("name", .string(value.name.text(for: language.code)))])
                    })))
                }
                return .object(fields)
            })),
        ])
    }

    /// What a user may type for a datatype — the limits the shared validator applies — or nil for lists,
    /// whose values say it all.
    static func datatypeDescription(_ datatype: ServiceAttribute.Datatype, language: Open311Language) -> String? {
        let text: LocalizedText? = switch datatype {
        case .string: LocalizedText(fa: "متن کوتاه، حداکثر ۲۰۰ نویسه", en: "Short text, at most 200 characters")
        case .text: LocalizedText(fa: "متن، حداکثر ۴۰۰۰ نویسه", en: "Text, at most 4000 characters")
        case .number: LocalizedText(fa: "عدد", en: "A number")
        case .datetime: LocalizedText(fa: "تاریخ و ساعت با منطقه زمانی، مانند 2026-01-01T08:00:00+03:30", en: "Date and time with zone, e.g. 2026-01-01T08:00:00+03:30")
        case .singlevaluelist, .multivaluelist: nil
        }
        return text?.text(for: language.code)
    }
}
