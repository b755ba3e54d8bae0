using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubePki.Controller.Tests.Api;

/// <summary>The API server's JSON for KubernetesClient's model types: null fields left out, times as RFC 3339 UTC
/// (what kubectl and client-go parse). Reflection-based: the test server runs on the JIT, never in the native
/// build.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } =
        new()
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            Converters = { new Rfc3339Converter() },
        };

    /// <summary><see cref="Options"/> refusing members the model does not know: kube-apiserver's strict decoding
    /// (fieldValidation=Strict).</summary>
    public static JsonSerializerOptions StrictOptions { get; } =
        new(Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;

    public static byte[] SerializeToUtf8(object value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);

    public static T Deserialize<T>(byte[] json) => JsonSerializer.Deserialize<T>(json, Options)!;

    private sealed class Rfc3339Converter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture).UtcDateTime;

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(
                Utc(value).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
            );

        private static DateTime Utc(DateTime value) =>
            value.Kind == DateTimeKind.Unspecified
                ? DateTime.SpecifyKind(value, DateTimeKind.Utc)
                : value.ToUniversalTime();
    }
}
