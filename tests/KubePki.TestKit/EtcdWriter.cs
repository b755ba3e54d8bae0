using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace KubePki.TestKit;

/// <summary>One write of an <see cref="EtcdWriter"/>: when it started, how long it took, and whether etcd confirmed
/// it (and through which endpoint) or why not.</summary>
public sealed record EtcdWrite(DateTime At, TimeSpan Took, string Key, bool Succeeded, string? Endpoint, string? Error);

/// <summary>What an <see cref="EtcdWriter"/> saw: every write, the share that succeeded, the longest stretch of time in
/// which writes failed, and the confirmed keys that could not be read back at the end.</summary>
public sealed record EtcdWriterReport(
    IReadOnlyList<EtcdWrite> Writes,
    TimeSpan LongestFailureRun,
    IReadOnlyList<string> MissingKeys
)
{
    public int Attempts => Writes.Count;

    public int Succeeded => Writes.Count(w => w.Succeeded);

    public double SuccessRatio => Attempts == 0 ? 0 : (double)Succeeded / Attempts;

    /// <summary>Every write etcd confirmed is readable at the end: no acknowledged data was lost.</summary>
    public bool AllSuccessfulWritesReadable => MissingKeys.Count == 0;

    public override string ToString() =>
        $"{Succeeded}/{Attempts} writes succeeded ({SuccessRatio:P1}), longest failure run "
        + $"{LongestFailureRun.TotalSeconds:0.0}s, {MissingKeys.Count} confirmed keys missing"
        + string.Concat(Writes.Where(w => !w.Succeeded).Take(5).Select(w => $"\n  {w.At:HH:mm:ss.fff} {w.Error}"));
}

/// <summary>Writes a fresh key to etcd every interval (default 100 ms) as a client of the whole cluster would: one
/// long-lived HTTPS client (etcd's JSON gateway, /v3/kv/put, mutual TLS) that tries the member that answered last
/// first and fails over to the others within a write's 2 s budget. <see cref="StopAsync"/> ends the loop and reads
/// every confirmed key back.</summary>
public sealed class EtcdWriter : IAsyncDisposable
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WriteBudget = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<string> _endpoints;
    private readonly HttpClient _http;
    private readonly TimeSpan _interval;
    private readonly string _prefix = $"/kubepki-writer/{Guid.NewGuid():N}/";
    private readonly ConcurrentQueue<EtcdWrite> _writes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _preferred;
    private EtcdWriterReport? _report;

    private EtcdWriter(IReadOnlyList<string> endpoints, EtcdClientFiles client, TimeSpan interval)
    {
        _endpoints = endpoints;
        _interval = interval;
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(client.CaCert);
        var ca = bundle[0];
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = AttemptTimeout,
            SslOptions =
            {
                ClientCertificates = [X509Certificate2.CreateFromPemFile(client.Cert, client.Key)],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusted(ca, certificate),
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static EtcdWriter Start(IReadOnlyList<string> endpoints, EtcdClientFiles client, TimeSpan interval)
    {
        var writer = new EtcdWriter(endpoints, client, interval);
        writer._loop = Task.Run(writer.LoopAsync);
        return writer;
    }

    /// <summary>The writes so far.</summary>
    public IReadOnlyList<EtcdWrite> Writes => _writes.ToList();

    private static bool Trusted(X509Certificate2 ca, X509Certificate? presented)
    {
        if (presented is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(presented));
    }

    private async Task LoopAsync()
    {
        var sequence = 0;
        while (!_stop.IsCancellationRequested)
        {
            var at = DateTime.UtcNow;
            var key = $"{_prefix}{sequence++:D6}";
            var (endpoint, error) = await PutAsync(key);
            _writes.Enqueue(new EtcdWrite(at, DateTime.UtcNow - at, key, error is null, endpoint, error));
            var wait = at + _interval - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<(string? Endpoint, string? Error)> PutAsync(string key)
    {
        var body = new JsonObject { ["key"] = Base64(key), ["value"] = Base64(DateTime.UtcNow.ToString("O")) };
        var deadline = DateTime.UtcNow + WriteBudget;
        var errors = new List<string>();
        for (var i = 0; i < _endpoints.Count && DateTime.UtcNow < deadline; i++)
        {
            var index = (_preferred + i) % _endpoints.Count;
            var endpoint = _endpoints[index];
            try
            {
                using var timeout = new CancellationTokenSource(AttemptTimeout);
                using var response = await _http.PostAsJsonAsync($"{endpoint}/v3/kv/put", body, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    _preferred = index;
                    return (endpoint, null);
                }
                errors.Add($"{endpoint}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                errors.Add($"{endpoint}: {e.GetType().Name} {e.Message}");
            }
        }
        return (null, string.Join("; ", errors));
    }

    /// <summary>Ends the loop and reads every confirmed key back (from any member that answers).</summary>
    public async Task<EtcdWriterReport> StopAsync()
    {
        if (_report is not null)
        {
            return _report;
        }
        await _stop.CancelAsync();
        await _loop;
        var writes = _writes.ToList();
        var stored = await ReadKeysAsync();
        var missing = writes.Where(w => w.Succeeded && !stored.Contains(w.Key)).Select(w => w.Key).ToList();
        _report = new EtcdWriterReport(writes, LongestFailureRun(writes), missing);
        return _report;
    }

    /// <summary>The longest time from a failed write's start to the start of the next write that succeeded (or to the
    /// end of the last write, when none did).</summary>
    public static TimeSpan LongestFailureRun(IReadOnlyList<EtcdWrite> writes)
    {
        var longest = TimeSpan.Zero;
        DateTime? runStart = null;
        foreach (var write in writes)
        {
            if (!write.Succeeded)
            {
                runStart ??= write.At;
            }
            else if (runStart is { } start)
            {
                longest = Max(longest, write.At - start);
                runStart = null;
            }
        }
        if (runStart is { } open && writes.Count > 0)
        {
            longest = Max(longest, writes[^1].At + writes[^1].Took - open);
        }
        return longest;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<HashSet<string>> ReadKeysAsync()
    {
        var end = _prefix[..^1] + (char)(_prefix[^1] + 1);
        var body = new JsonObject
        {
            ["key"] = Base64(_prefix),
            ["range_end"] = Base64(end),
            ["keys_only"] = true,
        };
        var errors = new List<string>();
        foreach (var endpoint in _endpoints)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await _http.PostAsJsonAsync($"{endpoint}/v3/kv/range", body, timeout.Token);
                var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
                if (!response.IsSuccessStatusCode)
                {
                    errors.Add($"{endpoint}: {(int)response.StatusCode} {json}");
                    continue;
                }
                return (json?["kvs"]?.AsArray() ?? [])
                    .Select(kv => Encoding.UTF8.GetString(Convert.FromBase64String(kv!["key"]!.GetValue<string>())))
                    .ToHashSet(StringComparer.Ordinal);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                errors.Add($"{endpoint}: {e.Message}");
            }
        }
        throw new InvalidOperationException($"no etcd member answered the read-back: {string.Join("; ", errors)}");
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException) { }
        _http.Dispose();
        _stop.Dispose();
    }
}
