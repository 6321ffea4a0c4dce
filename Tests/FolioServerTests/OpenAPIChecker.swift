import Foundation

/// Checks a live response against an OpenAPI 3.1 document: the status is documented for the route, and the JSON
/// body has the documented type, required properties and property types (`$ref`s resolved, nested objects and
/// array items checked too). Small on purpose: enough to catch a route and its description drifting apart.
struct OpenAPIChecker {
    let spec: [String: Any]

    func check(method: String, path: String, status: Int, body: Data) -> [String] {
        guard let paths = spec["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
              let operation = item[method] as? [String: Any], let responses = operation["responses"] as? [String: Any] else {
            return ["\(method) \(path) is not documented"]
        }
        guard let response = (responses[String(status)] ?? responses["default"]) as? [String: Any] else {
            return ["status \(status) is not documented (documented: \(responses.keys.sorted()))"]
        }
        guard let content = response["content"] as? [String: Any] else {
            return body.isEmpty ? [] : ["a body is sent but none is documented"]
        }
        guard let media = content["application/json"] as? [String: Any], let schema = media["schema"] as? [String: Any] else {
            return []  // PDF, PNG and event streams are not JSON
        }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return ["the body is not JSON"]
        }
        return validate(value, schema, at: "$")
    }

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/") else { return schema }
        var node: Any = spec
        for part in ref.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(part)] ?? [:]
        }
        return resolve(node as? [String: Any] ?? [:])
    }

    func validate(_ value: Any, _ raw: [String: Any], at path: String) -> [String] {
        let schema = resolve(raw)
        if let options = schema["oneOf"] as? [[String: Any]] ?? schema["anyOf"] as? [[String: Any]] {
            return options.contains { validate(value, $0, at: path).isEmpty } ? [] : ["\(path) matches none of its schemas"]
        }
        var types: [String] = []
        if let type = schema["type"] as? String { types = [type] }
        if let list = schema["type"] as? [String] { types = list }
        if !types.isEmpty && !types.contains(where: { Self.matches(value, $0) }) {
            return ["\(path) is \(Swift.type(of: value)), not \(types)"]
        }
        var problems: [String] = []
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key) is required but missing")
            }
            for (key, property) in schema["properties"] as? [String: Any] ?? [:] {
                if let child = object[key], let property = property as? [String: Any] {
                    problems += validate(child, property, at: "\(path).\(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated().prefix(20) {
                problems += validate(element, items, at: "\(path)[\(index)]")
            }
        }
        return problems
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean":
            guard let number = value as? NSNumber else { return value is Bool }
            return isBool(number)
        case "integer":
            guard let number = value as? NSNumber, !isBool(number) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number":
            guard let number = value as? NSNumber else { return false }
            return !isBool(number)
        default: return true
        }
    }

    /// JSONSerialization gives booleans as NSNumbers of Objective-C type `c` (char).
    static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
