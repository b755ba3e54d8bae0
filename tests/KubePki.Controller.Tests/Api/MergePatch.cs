using System.Text.Json.Nodes;

namespace KubePki.Controller.Tests.Api;

/// <summary>The two patch bodies kube-apiserver takes that the tests need: a JSON merge patch (RFC 7386: objects merge
/// key by key, null deletes, anything else replaces) and a strategic merge patch as far as it agrees with the merge
/// patch (maps such as metadata.annotations and labels). A strategic patch with a list or a <c>$</c> directive is
/// refused: the real server merges some lists by key, which this server does not model, so it will not guess.</summary>
public static class MergePatch
{
    public const string MergeType = "application/merge-patch+json";

    public const string StrategicType = "application/strategic-merge-patch+json";

    /// <summary>The document after the patch; neither argument is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Apply(result[key], value);
                result[key] = merged;
            }
        }
        return result;
    }

    /// <summary>Why a strategic merge patch cannot be applied as a merge patch here, or null when it can.</summary>
    public static string? StrategicProblem(JsonNode? patch, string path = "")
    {
        switch (patch)
        {
            case JsonArray:
                return $"{path.TrimStart('.')}: lists in a strategic merge patch are not supported by this server";
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key.StartsWith('$'))
                    {
                        return $"{path.TrimStart('.')}: directive {key} is not supported by this server";
                    }
                    if (StrategicProblem(value, $"{path}.{key}") is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            default:
                return null;
        }
    }
}
