using System.Buffers;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace KubePki.Controller.Tests.Api;

/// <summary>One request to a resource path: routing, authorization, admission for approve/sign, and the
/// list/watch/get/create/update/delete semantics of kube-apiserver.</summary>
internal sealed class ApiRequestHandler(
    TestApiServer server,
    HttpContext context,
    ApiUser user,
    CancellationToken stopping
)
{
    private const string CsrGroup = "certificates.k8s.io";

    private HttpRequest Request => context.Request;

    private ApiStore Store => server.Store;

    private DateTime Now => server.Time.GetUtcNow().UtcDateTime;

    public async Task HandleAsync(string path)
    {
        var s = path.Trim('/').Split('/');
        switch (s)
        {
            case ["apis", CsrGroup, "v1", "certificatesigningrequests"]:
                await CollectionAsync(
                    Store.Csrs,
                    null,
                    CsrGroup,
                    "CertificateSigningRequestList",
                    "certificates.k8s.io/v1",
                    CreateCsr
                );
                return;
            case ["apis", CsrGroup, "v1", "certificatesigningrequests", var name]:
                await ItemAsync(Store.Csrs, null, name, CsrGroup, null, (old, sent) => CsrStrategy.Update(old, sent));
                return;
            case ["apis", CsrGroup, "v1", "certificatesigningrequests", var name, "approval"]:
                await ItemAsync(
                    Store.Csrs,
                    null,
                    name,
                    CsrGroup,
                    "approval",
                    (old, sent) =>
                    {
                        Admit("approve", old.Spec.SignerName, "approve");
                        return CsrStrategy.Approval(old, sent, Now);
                    }
                );
                return;
            case ["apis", CsrGroup, "v1", "certificatesigningrequests", var name, "status"]:
                await ItemAsync(
                    Store.Csrs,
                    null,
                    name,
                    CsrGroup,
                    "status",
                    (old, sent) =>
                    {
                        if (sent.Status?.Certificate is { Length: > 0 } certificate)
                        {
                            Store.RecordCertificateSent(name, certificate);
                        }
                        // CsrStrategy.Status builds the result in the object it is given: note what it was first.
                        var (held, conditions) = (old.Status?.Certificate, Conditions(old));
                        var updated = CsrStrategy.Status(old, sent, Now);
                        if (
                            !(held ?? []).AsSpan().SequenceEqual(updated.Status?.Certificate ?? [])
                            || !conditions.SequenceEqual(Conditions(updated))
                        )
                        {
                            Admit("sign", old.Spec.SignerName, "sign");
                        }
                        return updated;
                    }
                );
                return;
            case ["api", "v1", "nodes"]:
                await CollectionAsync(
                    Store.Nodes,
                    null,
                    "",
                    "NodeList",
                    "v1",
                    n =>
                    {
                        n.ApiVersion = "v1";
                        n.Kind = "Node";
                        return n;
                    }
                );
                return;
            case ["api", "v1", "namespaces"] when Request.Method == "GET":
                await CollectionAsync(Store.Namespaces, null, "", "NamespaceList", "v1", null);
                return;
            case ["api", "v1", "nodes", var name]:
                await ItemAsync(Store.Nodes, null, name, "", null, (_, sent) => sent);
                return;
            case ["api", "v1", "events"] when Request.Method == "GET":
                await CollectionAsync(Store.Events, null, "", "EventList", "v1", null);
                return;
            case ["api", "v1", "namespaces", var ns, "events"]:
                await CollectionAsync(
                    Store.Events,
                    ns,
                    "",
                    "EventList",
                    "v1",
                    e =>
                    {
                        e.ApiVersion = "v1";
                        e.Kind = "Event";
                        e.Metadata.NamespaceProperty = ns;
                        EventValidation.ThrowIfInvalid(e);
                        return e;
                    }
                );
                return;
            case ["api", "v1", "namespaces", var ns, "events", var name]:
                await ItemAsync(
                    Store.Events,
                    ns,
                    name,
                    "",
                    null,
                    (old, sent) =>
                    {
                        sent.Metadata.NamespaceProperty = ns;
                        EventValidation.ThrowIfInvalid(sent);
                        return sent;
                    }
                );
                return;
            case ["api", "v1", "namespaces", var ns, "configmaps"]:
                await CollectionAsync(
                    Store.ConfigMaps,
                    ns,
                    "",
                    "ConfigMapList",
                    "v1",
                    c =>
                    {
                        c.ApiVersion = "v1";
                        c.Kind = "ConfigMap";
                        c.Metadata.NamespaceProperty = ns;
                        return c;
                    }
                );
                return;
            case ["api", "v1", "namespaces", var ns, "configmaps", var name]:
                await ItemAsync(Store.ConfigMaps, ns, name, "", null, (_, sent) => sent);
                return;
            case ["api", "v1", "secrets"] when Request.Method == "GET":
                await CollectionAsync(Store.Secrets, null, "", "SecretList", "v1", null);
                return;
            case ["api", "v1", "namespaces", var ns, "secrets"]:
                await CollectionAsync(
                    Store.Secrets,
                    ns,
                    "",
                    "SecretList",
                    "v1",
                    c =>
                    {
                        c.ApiVersion = "v1";
                        c.Kind = "Secret";
                        c.Metadata.NamespaceProperty = ns;
                        return c;
                    }
                );
                return;
            case ["api", "v1", "namespaces", var ns, "secrets", var name]:
                await ItemAsync(Store.Secrets, ns, name, "", null, (_, sent) => sent);
                return;
            case ["apis", "coordination.k8s.io", "v1", "leases"]:
                await CollectionAsync(
                    Store.Leases,
                    null,
                    "coordination.k8s.io",
                    "LeaseList",
                    "coordination.k8s.io/v1",
                    null
                );
                return;
            case ["apis", "coordination.k8s.io", "v1", "namespaces", var ns, "leases"]:
                await CollectionAsync(
                    Store.Leases,
                    ns,
                    "coordination.k8s.io",
                    "LeaseList",
                    "coordination.k8s.io/v1",
                    l =>
                    {
                        l.ApiVersion = "coordination.k8s.io/v1";
                        l.Kind = "Lease";
                        l.Metadata.NamespaceProperty = ns;
                        return l;
                    }
                );
                return;
            case ["apis", "coordination.k8s.io", "v1", "namespaces", var ns, "leases", var name]:
                await ItemAsync(Store.Leases, ns, name, "coordination.k8s.io", null, (_, sent) => sent);
                return;
            default:
                throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }
    }

    private V1CertificateSigningRequest CreateCsr(V1CertificateSigningRequest csr)
    {
        CsrStrategy.PrepareForCreate(csr, user);
        CsrStrategy.ValidateCreate(csr);
        // CertificateSubjectRestriction admission.
        if (csr.Spec.SignerName == "kubernetes.io/kube-apiserver-client")
        {
            var request = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequestPem(
                Encoding.ASCII.GetString(csr.Spec.Request),
                System.Security.Cryptography.HashAlgorithmName.SHA256
            );
            if (KubePki.Building.SubjectName.Read(request.SubjectName).Organizations.Contains("system:masters"))
            {
                throw ApiError.Forbidden(
                    $"certificatesigningrequests.certificates.k8s.io \"{csr.Metadata.Name}\" is forbidden: use of "
                        + $"kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
                );
            }
        }
        return csr;
    }

    // CertificateApproval / CertificateSigning admission: verb approve|sign on signers, named exactly or as <domain>/*.
    private void Admit(string verb, string signerName, string what)
    {
        var wildcard = signerName.Split('/')[0] + "/*";
        if (
            !server.Authorizer.Allows(user, new ApiAttributes(verb, CsrGroup, "signers", null, signerName))
            && !server.Authorizer.Allows(user, new ApiAttributes(verb, CsrGroup, "signers", null, wildcard))
        )
        {
            throw ApiError.Forbidden($"user not permitted to {what} requests with signerName \"{signerName}\"");
        }
    }

    // Every field of every condition, in order, as values.
    private static List<(string, string, string?, string?, DateTime?, DateTime?)> Conditions(
        V1CertificateSigningRequest csr
    ) =>
        [
            .. (csr.Status?.Conditions ?? []).Select(c =>
                (c.Type, c.Status, c.Reason, c.Message, c.LastUpdateTime, c.LastTransitionTime)
            ),
        ];

    private void Authorize(string verb, string group, string resource, string? subresource, string? name, string? ns)
    {
        if (server.Authorizer.Allows(user, new ApiAttributes(verb, group, resource, subresource, name, ns)))
        {
            return;
        }
        var full = group.Length == 0 ? resource : $"{resource}.{group}";
        var sub = subresource is null ? "" : $"/{subresource}";
        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        throw ApiError.Forbidden(
            $"{full}{(name is null ? "" : $" \"{name}\"")} is forbidden: User \"{user.Name}\" cannot {verb} "
                + $"resource \"{resource}{sub}\" in API group \"{group}\" {scope}"
        );
    }

    private async Task CollectionAsync<T>(
        ResourceTable<T> table,
        string? ns,
        string group,
        string listKind,
        string apiVersion,
        Func<T, T>? prepare
    )
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = table.Resource.Split('.')[0];
        var filter = FieldFilter<T>();
        switch (Request.Method)
        {
            case "GET" when Request.Query["watch"] is var w && (w == "true" || w == "1"):
                Authorize("watch", group, resource, null, SelectedName(), ns);
                await WatchAsync(table, ns, filter);
                return;
            case "GET":
                Authorize("list", group, resource, null, SelectedName(), ns);
                string? next = null;
                IReadOnlyList<byte[]> items;
                long version;
                if (int.TryParse(Request.Query["limit"], out var limit) && limit > 0 && !WantsTable())
                {
                    var token = Request.Query["continue"].ToString();
                    (items, version, next) = table.ListPageJson(
                        ns,
                        token.Length == 0 ? null : Encoding.UTF8.GetString(Convert.FromBase64String(token)),
                        limit
                    );
                }
                else
                {
                    (items, version) = table.ListJson(ns);
                }
                if (filter is not null)
                {
                    items = items.Where(i => filter(ApiJson.Deserialize<T>(i))).ToList();
                }
                if (resource == "certificatesigningrequests" && WantsTable())
                {
                    await TestApiServer.WriteAsync(
                        context,
                        200,
                        CsrTable.Render(items.Select(ApiJson.Deserialize<V1CertificateSigningRequest>), version, Now)
                    );
                    return;
                }
                if (resource == "events" && WantsTable())
                {
                    var events = items.Select(ApiJson.Deserialize<Corev1Event>);
                    await TestApiServer.WriteAsync(context, 200, EventTable.Render(events, version, Now));
                    return;
                }
                await TestApiServer.WriteAsync(context, 200, ListJson(listKind, apiVersion, version, next, items));
                return;
            case "POST":
                Authorize("create", group, resource, null, null, ns);
                var sent = await ReadBodyAsync<T>();
                sent.Metadata ??= new V1ObjectMeta();
                if (string.IsNullOrEmpty(sent.Metadata.Name) && !string.IsNullOrEmpty(sent.Metadata.GenerateName))
                {
                    sent.Metadata.Name = sent.Metadata.GenerateName + Guid.NewGuid().ToString("N")[..5];
                }
                if (prepare is not null)
                {
                    sent = prepare(sent);
                }
                if (string.IsNullOrEmpty(sent.Metadata.Name))
                {
                    throw new ApiError(
                        422,
                        "Invalid",
                        "metadata.name: Required value: name or generateName is required"
                    );
                }
                await TestApiServer.WriteAsync(context, 201, table.CreateJson(sent, server.Time));
                return;
            default:
                throw new ApiError(
                    405,
                    "MethodNotAllowed",
                    $"the server does not allow this method on the requested resource"
                );
        }
    }

    private async Task ItemAsync<T>(
        ResourceTable<T> table,
        string? ns,
        string name,
        string group,
        string? subresource,
        Func<T, T, T> update
    )
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = table.Resource.Split('.')[0];
        switch (Request.Method)
        {
            case "GET":
                Authorize("get", group, resource, subresource, name, ns);
                var item = table.GetJson(ns, name) ?? throw ApiError.NotFound(table.Resource, name);
                if (typeof(T) == typeof(V1CertificateSigningRequest) && WantsTable())
                {
                    var csr = ApiJson.Deserialize<V1CertificateSigningRequest>(item);
                    await TestApiServer.WriteAsync(context, 200, CsrTable.Render([csr], Store.ResourceVersion, Now));
                    return;
                }
                await TestApiServer.WriteAsync(context, 200, item);
                return;
            case "PUT":
                Authorize("update", group, resource, subresource, name, ns);
                var sent = await ReadBodyAsync<T>();
                sent.Metadata ??= new V1ObjectMeta();
                if (!string.IsNullOrEmpty(sent.Metadata.Name) && sent.Metadata.Name != name)
                {
                    throw new ApiError(
                        400,
                        "BadRequest",
                        $"the name of the object ({sent.Metadata.Name}) does not match the name on the URL ({name})"
                    );
                }
                await TestApiServer.WriteAsync(context, 200, table.UpdateJson(ns, name, sent, update));
                return;
            case "PATCH":
                Authorize("patch", group, resource, subresource, name, ns);
                var patch = await ReadPatchAsync();
                // A resourceVersion in the patch is a precondition, as for PUT; without one the patch applies to
                // whatever is stored when it is applied (under the store's lock, so no retry is needed).
                var precondition = Activator.CreateInstance<T>();
                precondition.Metadata = new V1ObjectMeta
                {
                    ResourceVersion = patch["metadata"]?["resourceVersion"]?.GetValue<string>(),
                };
                var patched = table.UpdateJson(
                    ns,
                    name,
                    precondition,
                    (old, _) => update(old, Patched(old, patch, name)),
                    unchangedIsNoOp: true
                );
                await TestApiServer.WriteAsync(context, 200, patched);
                return;
            case "DELETE" when subresource is null:
                Authorize("delete", group, resource, null, name, ns);
                table.Delete(ns, name);
                await TestApiServer.WriteAsync(context, 200, TestApiServer.Serialize(TestApiServer.Success()));
                return;
            default:
                throw new ApiError(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource"
                );
        }
    }

    private async Task WatchAsync<T>(ResourceTable<T> table, string? ns, Func<T, bool>? filter)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        long? from = long.TryParse(Request.Query["resourceVersion"], out var v) ? v : null;
        // Without a field selector every event passes: no need to read each object back under the store's lock.
        Func<WatchEvent, bool> passes = filter is null
            ? _ => true
            : e => e.Type == "DELETED" || filter(ApiJson.Deserialize<T>(e.ObjectJson));
        var watch = table.Watch(ns, from, passes);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        if (watch is not { } open)
        {
            var gone = new ApiError(410, "Expired", $"too old resource version: {from} ({table.CompactedBefore})");
            await WriteLineAsync($"{{\"type\":\"ERROR\",\"object\":{gone.ToStatusJson()}}}");
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        if (int.TryParse(Request.Query["timeoutSeconds"], out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }
        try
        {
            var body = context.Response.BodyWriter;
            for (var i = 0; i < open.Backlog.Count; i++)
            {
                Line(body, open.Backlog[i]);
                if (i % 100 == 99)
                {
                    await body.FlushAsync();
                }
            }
            await body.FlushAsync();
            // Events that are already waiting go out together, flushed once (as a real server's buffered stream
            // does); a lone event is flushed at once.
            while (await open.Live.WaitToReadAsync(timeout.Token))
            {
                while (open.Live.TryRead(out var e))
                {
                    Line(body, e);
                }
                await body.FlushAsync();
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            open.Stop();
        }
    }

    // {"type":"…","object":…}\n around the stored bytes, written straight into the response.
    private static void Line(System.IO.Pipelines.PipeWriter body, WatchEvent e)
    {
        body.Write("{\"type\":\""u8);
        body.Write(
            e.Type switch
            {
                "ADDED" => "ADDED"u8,
                "MODIFIED" => "MODIFIED"u8,
                "DELETED" => "DELETED"u8,
                _ => Encoding.UTF8.GetBytes(e.Type),
            }
        );
        body.Write("\",\"object\":"u8);
        body.Write(e.ObjectJson);
        body.Write("}\n"u8);
    }

    // A List object around items' stored JSON: {"kind","apiVersion","metadata":{…},"items":[…]}.
    private static byte[] ListJson(
        string kind,
        string apiVersion,
        long version,
        string? next,
        IReadOnlyList<byte[]> items
    )
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("apiVersion", apiVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", version.ToString());
            if (next is not null)
            {
                writer.WriteString("continue", Convert.ToBase64String(Encoding.UTF8.GetBytes(next)));
            }
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private async Task WriteLineAsync(string line)
    {
        await context.Response.WriteAsync(line + "\n", Encoding.UTF8);
        await context.Response.Body.FlushAsync();
    }

    // A list or watch whose field selector requires one metadata.name is authorized for that name, as
    // kube-apiserver's request info does, so a rule with resourceNames can allow it.
    private string? SelectedName()
    {
        var terms = Request.Query["fieldSelector"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        var names = terms.Where(t => t.StartsWith("metadata.name=", StringComparison.Ordinal)).ToList();
        return names.Count == 1 ? names[0]["metadata.name=".Length..] : null;
    }

    /// <summary>The fieldSelector as a predicate; null when there is none.</summary>
    private Func<T, bool>? FieldFilter<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var selector = Request.Query["fieldSelector"].ToString();
        if (selector.Length == 0)
        {
            return null;
        }
        var terms = selector.Split(',').Select(t => t.Split('=', 2)).ToList();
        return item =>
            terms.All(t =>
                t[0] switch
                {
                    "metadata.name" => item.Metadata.Name == t[1],
                    "spec.signerName" => item is V1CertificateSigningRequest c && c.Spec.SignerName == t[1],
                    "metadata.namespace" => item.Metadata.NamespaceProperty == t[1],
                    _ when item is Corev1Event e && EventValidation.Field(e, t[0]) is { } value => value == t[1],
                    _ => throw new ApiError(400, "BadRequest", $"field label not supported: {t[0]}"),
                }
            );
    }

    private bool WantsTable() => Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    // The request's patch body, checked for its media type (kube-apiserver answers 415 to any other).
    private async Task<System.Text.Json.Nodes.JsonObject> ReadPatchAsync()
    {
        var type = (Request.ContentType ?? "").Split(';')[0].Trim();
        if (type is not (MergePatch.MergeType or MergePatch.StrategicType))
        {
            throw new ApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: "
                    + $"{MergePatch.MergeType}, {MergePatch.StrategicType}"
            );
        }
        System.Text.Json.Nodes.JsonNode? patch;
        try
        {
            patch = await System.Text.Json.Nodes.JsonNode.ParseAsync(Request.Body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApiError(400, "BadRequest", $"error decoding patch: {e.Message}");
        }
        if (patch is not System.Text.Json.Nodes.JsonObject patchObject)
        {
            throw new ApiError(400, "BadRequest", "error decoding patch: the patch is not a JSON object");
        }
        if (type == MergePatch.StrategicType && MergePatch.StrategicProblem(patchObject) is { } problem)
        {
            throw new ApiError(415, "UnsupportedMediaType", problem);
        }
        return patchObject;
    }

    // The stored object with the patch applied, decoded strictly when the client asked for fieldValidation=Strict
    // (kubectl does): an unknown field is then an error, as kube-apiserver's strict decoding makes it.
    private T Patched<T>(T old, System.Text.Json.Nodes.JsonObject patch, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var result = MergePatch.Apply(System.Text.Json.Nodes.JsonNode.Parse(ApiJson.SerializeToUtf8(old)), patch)!;
        var strict = Request.Query["fieldValidation"].ToString() == "Strict";
        T patched;
        try
        {
            patched =
                System.Text.Json.JsonSerializer.Deserialize<T>(result, strict ? ApiJson.StrictOptions : ApiJson.Options)
                ?? throw new ApiError(400, "BadRequest", "the patch removed the whole object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApiError(
                strict ? 400 : 422,
                strict ? "BadRequest" : "Invalid",
                strict ? $"strict decoding error: {e.Message}" : $"the patched object cannot be decoded: {e.Message}"
            );
        }
        patched.Metadata ??= new V1ObjectMeta();
        if (patched.Metadata.Name != name)
        {
            throw new ApiError(
                400,
                "BadRequest",
                $"the name of the object ({patched.Metadata.Name}) does not match the name on the URL ({name})"
            );
        }
        return patched;
    }

    private async Task<T> ReadBodyAsync<T>()
    {
        if (
            Request.ContentType is { } type
            && type.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal)
        )
        {
            using var buffer = new MemoryStream();
            await Request.Body.CopyToAsync(buffer);
            if (typeof(T) != typeof(V1CertificateSigningRequest))
            {
                throw new ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: application/json"
                );
            }
            return (T)(object)ProtobufCsrReader.Read(buffer.ToArray());
        }
        try
        {
            return await System.Text.Json.JsonSerializer.DeserializeAsync<T>(Request.Body, ApiJson.Options)
                ?? throw new ApiError(400, "BadRequest", "empty body");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApiError(400, "BadRequest", $"the body of the request was in an unknown format: {e.Message}");
        }
    }
}
