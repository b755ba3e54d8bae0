using System.Text.Json.Nodes;

namespace KubePki.Controller.Tests.Api;

/// <summary>The discovery documents kubectl reads before it can map "csr" to a resource: /version, /api, /apis and
/// the per-group resource lists (legacy, unaggregated form).</summary>
public static class Discovery
{
    public static string? For(string path, string serverAddress) =>
        path switch
        {
            "/version" => new JsonObject
            {
                ["major"] = "1",
                ["minor"] = "32",
                ["gitVersion"] = "v1.32.0",
                ["gitCommit"] = "kubepki-test-api-server",
                ["gitTreeState"] = "clean",
                ["buildDate"] = "2026-01-01T00:00:00Z",
                ["goVersion"] = "go1.23",
                ["compiler"] = "gc",
                ["platform"] = "linux/amd64",
            }.ToJsonString(),
            "/api" => new JsonObject
            {
                ["kind"] = "APIVersions",
                ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(
                    new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }
                ),
            }.ToJsonString(),
            "/apis" => new JsonObject
            {
                ["kind"] = "APIGroupList",
                ["apiVersion"] = "v1",
                ["groups"] = new JsonArray(Group("certificates.k8s.io"), Group("coordination.k8s.io")),
            }.ToJsonString(),
            "/api/v1" => ResourceList(
                "v1",
                Resource(
                    "nodes",
                    "Node",
                    false,
                    ["no"],
                    ["create", "delete", "get", "list", "patch", "update", "watch"]
                ),
                Resource("nodes/status", "Node", false, [], ["get", "patch", "update"]),
                Resource(
                    "configmaps",
                    "ConfigMap",
                    true,
                    ["cm"],
                    ["create", "delete", "get", "list", "patch", "update", "watch"]
                ),
                Resource(
                    "secrets",
                    "Secret",
                    true,
                    [],
                    ["create", "delete", "get", "list", "patch", "update", "watch"]
                ),
                Resource(
                    "events",
                    "Event",
                    true,
                    ["ev"],
                    ["create", "delete", "get", "list", "patch", "update", "watch"]
                ),
                Resource("namespaces", "Namespace", false, ["ns"], ["list", "watch"])
            ),
            "/apis/certificates.k8s.io/v1" => ResourceList(
                "certificates.k8s.io/v1",
                Resource(
                    "certificatesigningrequests",
                    "CertificateSigningRequest",
                    false,
                    ["csr"],
                    ["create", "delete", "get", "list", "patch", "update", "watch"]
                ),
                Resource(
                    "certificatesigningrequests/approval",
                    "CertificateSigningRequest",
                    false,
                    [],
                    ["get", "patch", "update"]
                ),
                Resource(
                    "certificatesigningrequests/status",
                    "CertificateSigningRequest",
                    false,
                    [],
                    ["get", "patch", "update"]
                )
            ),
            "/apis/coordination.k8s.io/v1" => ResourceList(
                "coordination.k8s.io/v1",
                Resource("leases", "Lease", true, [], ["create", "delete", "get", "list", "patch", "update", "watch"])
            ),
            "/apis/certificates.k8s.io" => Group("certificates.k8s.io").ToJsonString(),
            "/apis/coordination.k8s.io" => Group("coordination.k8s.io").ToJsonString(),
            "/openapi/v3" => new JsonObject
            {
                ["paths"] = new JsonObject
                {
                    ["api/v1"] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/api/v1?hash=1" },
                    ["apis/certificates.k8s.io/v1"] = new JsonObject
                    {
                        ["serverRelativeURL"] = "/openapi/v3/apis/certificates.k8s.io/v1?hash=1",
                    },
                    ["apis/coordination.k8s.io/v1"] = new JsonObject
                    {
                        ["serverRelativeURL"] = "/openapi/v3/apis/coordination.k8s.io/v1?hash=1",
                    },
                },
            }.ToJsonString(),
            "/openapi/v3/api/v1" => OpenApi(
                "",
                "v1",
                ("/api/v1/nodes/{name}", "Node"),
                ("/api/v1/namespaces/{namespace}/events/{name}", "Event")
            ),
            "/openapi/v3/apis/certificates.k8s.io/v1" => OpenApi(
                "certificates.k8s.io",
                "v1",
                ("/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}", "CertificateSigningRequest")
            ),
            "/openapi/v3/apis/coordination.k8s.io/v1" => OpenApi(
                "coordination.k8s.io",
                "v1",
                ("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}", "Lease")
            ),
            _ => null,
        };

    // Just enough OpenAPI v3 for kubectl to see that PATCH takes fieldValidation, so it validates server-side
    // (here: strict decoding) instead of downloading the full v2 schema. One path per kind of the group version.
    private static string OpenApi(string group, string version, params (string Path, string Kind)[] kinds)
    {
        var paths = new JsonObject();
        foreach (var (path, kind) in kinds)
        {
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["parameters"] = new JsonArray(
                        new JsonObject
                        {
                            ["name"] = "fieldValidation",
                            ["in"] = "query",
                            ["schema"] = new JsonObject { ["type"] = "string" },
                        }
                    ),
                    ["x-kubernetes-group-version-kind"] = new JsonObject
                    {
                        ["group"] = group,
                        ["version"] = version,
                        ["kind"] = kind,
                    },
                    ["responses"] = new JsonObject(),
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        }.ToJsonString();
    }

    private static JsonObject Group(string name) =>
        new()
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = $"{name}/v1", ["version"] = "v1" }),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/v1", ["version"] = "v1" },
        };

    private static string ResourceList(string groupVersion, params JsonObject[] resources) =>
        new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = groupVersion,
            ["resources"] = new JsonArray(resources),
        }.ToJsonString();

    private static JsonObject Resource(string name, string kind, bool namespaced, string[] shortNames, string[] verbs)
    {
        var resource = new JsonObject
        {
            ["name"] = name,
            ["singularName"] = name.Contains('/') ? "" : kind.ToLowerInvariant(),
            ["namespaced"] = namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v!).ToArray()),
        };
        if (shortNames.Length > 0)
        {
            resource["shortNames"] = new JsonArray(shortNames.Select(v => (JsonNode)v!).ToArray());
        }
        return resource;
    }
}
