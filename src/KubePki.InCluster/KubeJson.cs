using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubePki.InCluster;

/// <summary>Reads the API objects the client library does not read for us (watch events, Status bodies of failed
/// requests) with source-generated System.Text.Json metadata, so the native build needs no reflection.</summary>
public static class KubeJson
{
    public static V1Status? ReadStatus(string json) =>
        JsonSerializer.Deserialize(json, KubeJsonContext.Default.V1Status);

    public static V1CertificateSigningRequest? ReadCsr(JsonElement json) =>
        json.Deserialize(KubeJsonContext.Default.V1CertificateSigningRequest);

    public static V1Node? ReadNode(JsonElement json) => json.Deserialize(KubeJsonContext.Default.V1Node);

    public static V1Status? ReadStatus(JsonElement json) => json.Deserialize(KubeJsonContext.Default.V1Status);

    public static V1Secret? ReadSecret(JsonElement json) => json.Deserialize(KubeJsonContext.Default.V1Secret);

    public static V1Namespace? ReadNamespace(JsonElement json) => json.Deserialize(KubeJsonContext.Default.V1Namespace);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1CertificateSigningRequest))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(V1Namespace))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
