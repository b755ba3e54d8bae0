using System.Text.Json.Nodes;

namespace KubePki.Controller.Tests.Api;

/// <summary>An API failure, rendered as a metav1.Status like kube-apiserver's.</summary>
public sealed class ApiError(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public static ApiError NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found");

    public static ApiError AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists");

    public static ApiError Conflict(string resource, string name) =>
        new(
            409,
            "Conflict",
            $"Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply "
                + $"your changes to the latest version and try again"
        );

    public static ApiError Invalid(string kind, string name, IEnumerable<string> causes) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {string.Join(", ", causes)}");

    public static ApiError Forbidden(string message) => new(403, "Forbidden", message);

    public string ToStatusJson() =>
        new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
            ["code"] = Code,
        }.ToJsonString();
}
