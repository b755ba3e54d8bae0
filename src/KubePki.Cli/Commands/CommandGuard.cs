using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Cli.Commands;

/// <summary>The CLI's one exception boundary: user errors, file-system refusals and API errors become one line on
/// stderr (API errors worded as kubectl words them) and exit code 1; anything else is a bug and propagates.</summary>
public static class CommandGuard
{
    public static int Run(CliEnvironment env, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            env.Error.WriteLine(line);
            return 1;
        }
    }

    public static async Task<int> RunAsync(CliEnvironment env, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            env.Error.WriteLine(line);
            return 1;
        }
    }

    /// <summary>The one line for an error the user can act on, or null for a bug.</summary>
    public static string? Describe(Exception e) =>
        e switch
        {
            KubePkiException or IOException or UnauthorizedAccessException => $"error: {e.Message}",
            HttpOperationException api => DescribeApiError(api),
            // A body the client could not read (a proxy's empty or HTML answer): no stack trace for that.
            System.Text.Json.JsonException json =>
                $"error: the API server's response is not valid JSON: {json.Message.Split('\n')[0]}",
            HttpRequestException request => $"Unable to connect to the server: {request.Message}",
            _ => null,
        };

    /// <summary>kubectl's "Error from server (Reason): message" from the Status body of a failed request.</summary>
    private static string DescribeApiError(HttpOperationException e)
    {
        V1Status? status = null;
        try
        {
            status = e.Response.Content is { Length: > 0 } body ? KubePki.InCluster.KubeJson.ReadStatus(body) : null;
        }
        catch (System.Text.Json.JsonException) { }
        var reason = status?.Reason is { Length: > 0 } r ? r : e.Response.StatusCode.ToString();
        var message = status?.Message is { Length: > 0 } m ? m : e.Response.ReasonPhrase ?? e.Message;
        return $"Error from server ({reason}): {message}";
    }

    public static bool IsStatus(Exception e, HttpStatusCode code) =>
        e is HttpOperationException h && h.Response.StatusCode == code;
}
