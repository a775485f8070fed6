import KehuActivation
import KehuModel

extension OpenAPIDocument {
    /// Tags, audiences and reach plans (docs/api.md, "Activation").
    static func activationPaths(into paths: inout [String: JSONValue], errorResponses: [String: JSONValue]) {
        let string: JSONValue = .object(["type": .s("string")])
        let object: JSONValue = .object(["type": .s("object")])
        let report = ref("#/components/schemas/Report")
        func path(_ name: String, _ description: String) -> JSONValue {
            .object([
                "name": .s(name), "in": .s("path"), "required": .bool(true), "description": .s(description + " Percent-encode it."),
                "schema": string,
            ])
        }
        func query(_ name: String, _ description: String, schema: JSONValue = string) -> JSONValue {
            .object(["name": .s(name), "in": .s("query"), "required": .bool(false), "description": .s(description), "schema": schema])
        }
        func body(_ required: [String], _ properties: [String: JSONValue], optional: Bool = false) -> JSONValue {
            .object([
                "required": .bool(!optional),
                "content": .object(["application/json": .object(["schema": .object([
                    "type": .s("object"), "required": .array(required.map(JSONValue.s)), "additionalProperties": .bool(false),
                    "properties": .object(properties),
                ])])]),
            ])
        }
        func responses(_ ok: [String: JSONValue], notFound: Bool = true, conflict: String? = nil) -> JSONValue {
            var all = ok.merging(errorResponses) { a, _ in a }
            if notFound { all["404"] = ref("#/components/responses/NotFound") }
            if let conflict { all["409"] = jsonResponse(conflict, schema: ref("#/components/schemas/Error")) }
            return .object(all)
        }
        func described(_ text: String, _ schema: JSONValue = string) -> JSONValue {
            guard case .object(var members) = schema else { return schema }
            members["description"] = .s(text)
            return .object(members)
        }
        func get(_ id: String, _ summary: String, _ parameters: [JSONValue] = [], _ answer: String, schema: JSONValue = report, notFound: Bool = true, conflict: String? = nil) -> JSONValue {
            var op = operation(id, summary: summary, parameters: parameters, responses: [:])
            if case .object(var members) = op {
                members["responses"] = responses(["200": jsonResponse(answer, schema: schema)], notFound: notFound, conflict: conflict)
                op = .object(members)
            }
            return op
        }
        func change(_ id: String, _ summary: String, _ parameters: [JSONValue], body requestBody: JSONValue?, _ ok: [String: JSONValue], conflict: String? = nil, notFound: Bool = true) -> JSONValue {
            var op = operation(id, summary: summary, parameters: parameters, requestBody: requestBody, responses: [:])
            if case .object(var members) = op {
                members["responses"] = responses(ok, notFound: notFound, conflict: conflict)
                op = .object(members)
            }
            return op
        }
        let asOf = query("as-of", "The evaluation day, YYYY-MM-DD: windows end here (default: the last day with data).", schema: .object(["type": .s("string"), "format": .s("date")]))
        let paging = [
            query("offset", "First row of the page (default 0).", schema: .object(["type": .s("integer"), "default": .int(0), "minimum": .int(0)])),
            query("limit", "Rows per page (default 1000, at most 10000).", schema: .object(["type": .s("integer"), "default": .int(1_000), "minimum": .int(1), "maximum": .int(10_000)])),
            query("format", "json (default, paged) or csv (every row).", schema: .object(["type": .s("string"), "enum": .array([.s("json"), .s("csv")])])),
        ]
        let definition = body(["expression"], [
            "expression": described("The rule in the expression language of docs/activation.md."),
            "description": described("What it means, for people."),
        ])

        // Tags.
        let tagName = path("name", "The tag's name.")
        paths["/v1/tags"] = .object([
            "get": get("listTags", "The tags with their sizes on the current snapshot (kehu tag list).", [asOf], "The tag list report.", notFound: false)
        ])
        paths["/v1/tags/{name}"] = .object([
            "get": get("getTag", "A tag's size and share, by AIPL stage and by channel (kehu tag show).", [tagName, asOf], "The consumer set report."),
            "put": change(
                "defineTag", "Define (or redefine) a rule tag. Needs a write key. A mistake in the expression is a 400 with its column.", [tagName],
                body: definition,
                ["201": jsonResponse("Defined (new).", schema: ref("#/components/schemas/Tag")), "200": jsonResponse("Redefined.", schema: ref("#/components/schemas/Tag"))],
                conflict: "kind_conflict: the name is an imported or written-back tag.", notFound: false),
            "delete": change(
                "deleteTag", "Delete a tag. Needs a write key. Refused (409 in_use) while another tag or an audience uses it.", [tagName], body: nil,
                ["200": jsonResponse("{\"deleted\": name}", schema: object)], conflict: "in_use: the tags and audiences that mention it are listed."),
        ])
        paths["/v1/tags/{name}/import"] = .object([
            "post": change(
                "importTag",
                "Make an imported tag of the consumers holding these identity keys (replaces its members). Needs a write key. Phones and emails are hashed as at ingest; keys the workspace has never seen are counted, not stored.",
                [tagName],
                body: .object([
                    "required": .bool(true),
                    "content": .object(["application/json": .object(["schema": .object(["oneOf": .array([
                        .object(["type": .s("array"), "items": string, "description": .s("type:value keys, e.g. member:1001, phone:13800138000.")]),
                        .object([
                            "type": .s("object"), "required": .array([.s("keys")]), "additionalProperties": .bool(false),
                            "properties": .object([
                                "keys": .object(["type": .s("array"), "items": string]),
                                "key-type": .object(["type": .s("string"), "enum": .array(IdentityKeyType.allCases.map { .s($0.name) }), "description": .s("The keys are raw values of this type.")]),
                                "description": string,
                            ]),
                        ]),
                    ])])])]),
                ]),
                ["201": jsonResponse("Imported (new tag).", schema: ref("#/components/schemas/TagImport")), "200": jsonResponse("Imported again.", schema: ref("#/components/schemas/TagImport"))],
                conflict: "kind_conflict: the name is a rule or written-back tag.", notFound: false),
        ])

        // Audiences.
        let audienceName = path("name", "The audience's name.")
        paths["/v1/audiences"] = .object([
            "get": get("listAudiences", "The audiences with their sizes on the current snapshot (kehu audience list).", [asOf], "The audience list report.", notFound: false)
        ])
        paths["/v1/audiences/{name}"] = .object([
            "get": get("getAudience", "An audience's size by AIPL stage and by channel (kehu audience size).", [audienceName, asOf], "The consumer set report."),
            "put": change(
                "defineAudience", "Define (or redefine) an audience. Needs a write key. A mistake in the expression is a 400 with its column.", [audienceName],
                body: definition,
                ["201": jsonResponse("Defined (new).", schema: ref("#/components/schemas/Audience")), "200": jsonResponse("Redefined.", schema: ref("#/components/schemas/Audience"))],
                notFound: false),
            "delete": change(
                "deleteAudience", "Delete an audience (its snapshots are kept). Needs a write key.", [audienceName], body: nil,
                ["200": jsonResponse("{\"deleted\": name}", schema: object)]),
        ])
        paths["/v1/audiences/estimate"] = .object([
            "post": change(
                "estimateAudience", "The size of an unsaved expression now, by AIPL stage and by channel. Changes nothing, so a read key will do.", [],
                body: body(["expression"], ["expression": described("An audience expression."), "as-of": .object(["type": .s("string"), "format": .s("date")])]),
                ["200": jsonResponse("The consumer set report (kind expression).", schema: report)], notFound: false)
        ])
        paths["/v1/audiences/{name}/overlap/{other}"] = .object([
            "get": get(
                "audienceOverlap", "Two saved audiences' sizes, intersection, union and Jaccard index (kehu audience overlap).",
                [audienceName, path("other", "The other audience's name."), asOf], "The overlap report.")
        ])
        paths["/v1/audiences/{name}/export"] = .object([
            "get": get(
                "exportAudience", "The identity keys a channel can use for the audience's consumers, one per consumer, and the count without such a key (kehu audience export). Needs a write key: keys leave Kehu.",
                [audienceName, .object([
                    "name": .s("channel"), "in": .s("query"), "required": .bool(true), "description": .s("Where the audience is sent."),
                    "schema": .object(["type": .s("string"), "enum": .array(ExportChannel.allCases.map { .s($0.rawValue) })]),
                ]), asOf] + paging,
                "The export report with a page of keys ({consumerId, keyType, key}); with format=csv, text/csv consumer_id,key_type,key and the headers Kehu-Consumers and Kehu-Without-Key.")
        ])
        paths["/v1/audiences/{name}/snapshots"] = .object([
            "post": change(
                "snapshotAudience", "Store the audience's members now, to measure a campaign against them later. Needs a write key.", [audienceName],
                body: body([], ["as-of": .object(["type": .s("string"), "format": .s("date")])], optional: true),
                ["201": jsonResponse("The snapshot taken (snapshots report with one entry).", schema: report)]),
            "get": get("listAudienceSnapshots", "The audience's stored snapshots, newest first (kept after the audience is deleted).", [audienceName], "The snapshots report."),
        ])

        // Reach plans.
        let planName = path("name", "The plan's name.")
        let planSchema = ref("#/components/schemas/ReachPlanDefinition")
        paths["/v1/reach/plans"] = .object([
            "get": get("listReachPlans", "The reach plans and their sends per status (kehu reach list).", [], "{\"plans\": [{\"plan\", \"scheduled\", \"delivered\", \"failed\", \"holdout\"}]} plus title and parameters.", notFound: false)
        ])
        paths["/v1/reach/plans/{name}"] = .object([
            "get": get("getReachPlan", "One plan and its sends per status.", [planName], "{\"plan\", \"scheduled\", \"delivered\", \"failed\", \"holdout\"}", schema: object),
            "put": change(
                "defineReachPlan", "Define (or redefine) a reach plan with the options of kehu reach define. Needs a write key. Redefining drops the stored schedule.",
                [planName], body: .object(["required": .bool(true), "content": .object(["application/json": .object(["schema": planSchema])])]),
                ["201": jsonResponse("Defined (new).", schema: object), "200": jsonResponse("Redefined.", schema: object)],
                conflict: "already_delivered: the plan has delivered sends; define a new plan.", notFound: false),
        ])
        paths["/v1/reach/plans/{name}/schedule"] = .object([
            "post": change(
                "scheduleReachPlan", "Schedule the plan (kehu reach plan): audience minus suppressed and capped consumers and those without a channel key, holdout split, send times. Stores the schedule unless dry-run. Needs a write key.",
                [planName], body: body([], ["dry-run": .object(["type": .s("boolean"), "default": .bool(false)])], optional: true),
                ["200": jsonResponse("The schedule summary (kehu reach plan --format json) plus title, parameters and sends (the path of the rows, null on a dry run).", schema: report)],
                conflict: "already_delivered: the plan has delivered sends, so its schedule stays.")
        ])
        paths["/v1/reach/plans/{name}/sends"] = .object([
            "get": get(
                "reachPlanSends", "The stored schedule's rows: consumer id, holdout, channel key, send time, status, attempts. Needs a write key: keys leave Kehu.", [planName] + paging,
                "{\"plan\", \"sends\": [...], \"offset\", \"limit\", \"total\", \"next\"}; with format=csv, text/csv.", schema: object,
                conflict: "not_planned: schedule the plan first.")
        ])
        paths["/v1/reach/plans/{name}/effect"] = .object([
            "get": get(
                "reachPlanEffect", "Conversion and GMV per consumer, treatment against holdout, with 95% intervals and the uplift (kehu reach effect). With responders-tag it also writes a tag, and needs a write key.",
                [planName, query("window", "The window after each send time, 1d-366d.", schema: .object(["type": .s("string"), "default": .s("14d")])),
                 query("responders-tag", "Store the converted treatment consumers as this written-back tag (needs a write key).")],
                "The effect report plus title and parameters (and respondersTag when written).", conflict: "not_planned: schedule the plan first.")
        ])
    }

    /// Schemas of the activation answers and bodies.
    static func activationSchemas() -> [String: JSONValue] {
        let string: JSONValue = .object(["type": .s("string")])
        let integer: JSONValue = .object(["type": .s("integer")])
        let nullableString: JSONValue = .object(["type": .array([.s("string"), .s("null")])])
        return [
            "Tag": .object([
                "type": .s("object"),
                "properties": .object([
                    "name": string, "kind": .object(["type": .s("string"), "enum": .array(TagKind.allCases.map { .s($0.rawValue) })]),
                    "expression": nullableString, "description": string, "createdAt": integer, "updatedAt": integer, "storedKeys": integer, "path": string,
                ]),
            ]),
            "TagImport": .object([
                "type": .s("object"),
                "properties": .object([
                    "name": string, "given": integer, "bad": integer,
                    "badKeys": .object(["type": .s("array"), "items": .object(["type": .s("object"), "properties": .object(["index": integer, "reason": string])])]),
                    "keys": .object(["type": .s("integer"), "description": .s("Distinct valid keys.")]), "matched": integer,
                    "notInStore": .object(["type": .s("integer"), "description": .s("Keys the workspace has never seen: counted, not stored.")]), "path": string,
                ]),
            ]),
            "Audience": .object([
                "type": .s("object"),
                "properties": .object(["name": string, "expression": string, "description": string, "createdAt": integer, "updatedAt": integer, "path": string]),
            ]),
            "ReachPlanDefinition": .object([
                "type": .s("object"), "required": .array([.s("audience"), .s("content"), .s("channel"), .s("window")]), "additionalProperties": .bool(false),
                "properties": .object([
                    "audience": .object(["type": .s("string"), "description": .s("A saved audience's name, or an audience expression.")]),
                    "content": .object(["type": .s("string"), "description": .s("The content id to send.")]),
                    "channel": .object(["type": .s("string"), "enum": .array(ReachChannel.allCases.map { .s($0.rawValue) })]),
                    "window": .object(["type": .s("string"), "description": .s("The send days, D1..D2.")]),
                    "hours": .object(["type": .s("string"), "default": .s("9-21"), "description": .s("Allowed hours H1-H2, workspace time zone.")]),
                    "cap": .object(["type": .s("string"), "default": .s("1/7d"), "description": .s("At most N sends per consumer in any P days, across plans.")]),
                    "suppress": .object(["type": .s("array"), "items": .object(["type": .s("string"), "description": .s("tag:NAME or audience:NAME (keys:FILE is CLI only).")])]),
                    "holdout": .object(["type": .array([.s("string"), .s("number")]), "default": .s("10%"), "description": .s("Share held out, 0% to 50%: \"10%\" or 0.1.")]),
                    "seed": .object(["type": .s("integer"), "description": .s("The holdout split's seed (default: a hash of the plan's name).")]),
                    "as-of": .object(["type": .s("string"), "format": .s("date"), "description": .s("The day the audience is evaluated (default: the day before the window).")]),
                    "key-prefix": .object(["type": .s("string"), "description": .s("Only channel keys starting with this, e.g. tm_.")]),
                ]),
            ]),
        ]
    }
}
