using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Cli.Commands.Csr;

/// <summary>Runs a command body that talks to the API server: user errors and API errors become one line on stderr
/// (API errors worded as kubectl words them) and exit code 1; anything else is a bug and propagates.</summary>
public static class ApiCommandGuard
{
    public static async Task<int> RunAsync(CliEnvironment env, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (KubePkiException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
        }
        catch (HttpOperationException e)
        {
            env.Error.WriteLine(Describe(e));
        }
        catch (System.Text.Json.JsonException e)
        {
            // A body the client could not read (a proxy's empty or HTML answer): no stack trace for that.
            env.Error.WriteLine($"error: the API server's response is not valid JSON: {e.Message.Split('\n')[0]}");
        }
        catch (HttpRequestException e)
        {
            env.Error.WriteLine($"Unable to connect to the server: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            env.Error.WriteLine($"error: {e.Message}");
        }
        return 1;
    }

    /// <summary>kubectl's "Error from server (Reason): message" from the Status body of a failed request.</summary>
    public static string Describe(HttpOperationException e)
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
