using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using KubePki.Building;
using KubePki.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Tests.Api;

/// <summary>A stand-in kube-apiserver for certificates.k8s.io/v1 CSRs, core/v1 Nodes and coordination.k8s.io/v1 Leases:
/// TLS with a kubepki-made serving cert, client-cert authentication against the cluster CA, the real API's wire
/// format and rules. The <see cref="ApiStore"/> survives <see cref="RestartAsync"/>, like etcd behind a restarted
/// apiserver.</summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly X509Certificate2 _serving;
    private readonly X509Certificate2 _clientCa;
    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();

    public TestApiServer(X509Certificate2 serving, X509Certificate2 clientCa, int port, ApiStore? store = null)
    {
        _serving = serving;
        _clientCa = clientCa;
        Port = port;
        Store = store ?? new ApiStore();
    }

    public int Port { get; }

    public string Url => $"https://127.0.0.1:{Port}";

    public ApiStore Store { get; }

    /// <summary>More CAs a client certificate may chain to, as kube-apiserver's --client-ca-file holding a bundle
    /// (during a CA rotation).</summary>
    public IReadOnlyList<X509Certificate2> ExtraClientCas { get; init; } = [];

    public FaultPlan Faults { get; } = new();

    public IApiAuthorizer Authorizer { get; set; } = AllowAllAuthorizer.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Requests served, as "METHOD path" (for asserting what clients did).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> RequestLog { get; } = new();

    public async Task StartAsync()
    {
        _stopping = new CancellationTokenSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(
                IPAddress.Loopback,
                Port,
                listen =>
                    listen.UseHttps(
                        new HttpsConnectionAdapterOptions
                        {
                            ServerCertificate = _serving,
                            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                            // Checked per request against the cluster CA, so an unauthenticated client gets a 401
                            // rather than a TLS error.
                            ClientCertificateValidation = (_, _, _) => true,
                        }
                    )
            )
        );
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is null)
        {
            return;
        }
        await _stopping.CancelAsync();
        Store.DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        RequestLog.Enqueue($"{request.Method} {path}{request.QueryString}");
        try
        {
            var user =
                Authenticate(context.Connection.ClientCertificate)
                ?? throw new ApiError(401, "Unauthorized", "Unauthorized");
            if (Faults.Take(request.Method, path) is { } code)
            {
                if (code == FaultPlan.EmptyResponse)
                {
                    await WriteAsync(context, code, "");
                    return;
                }
                throw new ApiError(
                    code,
                    code == 409 ? "Conflict" : "InternalError",
                    code == 409
                        ? "Operation cannot be fulfilled: injected conflict"
                        : "Internal error occurred: injected failure"
                );
            }
            if (path is "/healthz" or "/readyz" or "/livez")
            {
                await WriteAsync(context, 200, "ok", "text/plain");
                return;
            }
            if (request.Method == "GET" && Discovery.For(path, $"127.0.0.1:{Port}") is { } document)
            {
                await WriteAsync(context, 200, document);
                return;
            }
            await new ApiRequestHandler(this, context, user, _stopping.Token).HandleAsync(path);
        }
        catch (ApiError e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, e.Code, e.ToStatusJson());
            }
        }
        catch (OperationCanceledException) { }
    }

    // A connection's client certificate is one object for all its requests (HTTP/2 multiplexes them all on one): its
    // chain is built once, as a TLS server verifies the peer once per handshake, not once per request.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, ApiUser?> _users = new();

    private ApiUser? Authenticate(X509Certificate2? certificate) =>
        certificate is null ? null : _users.GetValue(certificate, Verify);

    private ApiUser? Verify(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clientCa);
        chain.ChainPolicy.CustomTrustStore.AddRange(ExtraClientCas.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ExtendedKeyUsageOids.ClientAuth));
        if (!chain.Build(certificate))
        {
            return null;
        }
        var (commonName, organizations) = SubjectName.Read(certificate.SubjectName);
        return new ApiUser(commonName, [.. organizations, "system:authenticated"]);
    }

    internal static async Task WriteAsync(
        HttpContext context,
        int code,
        string body,
        string contentType = "application/json"
    )
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, Encoding.UTF8);
    }

    internal static async Task WriteAsync(HttpContext context, int code, byte[] json)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json);
    }

    internal static string Serialize(object item) => ApiJson.Serialize(item);

    internal static V1Status Success() =>
        new()
        {
            ApiVersion = "v1",
            Kind = "Status",
            Status = "Success",
        };
}
