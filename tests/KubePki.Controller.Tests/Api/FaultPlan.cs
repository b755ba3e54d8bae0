namespace KubePki.Controller.Tests.Api;

/// <summary>Injected failures: the next <c>count</c> requests matching a predicate (method, path) get the given HTTP
/// status instead of being served (or, with <see cref="EmptyNext"/>, an empty 200 OK).</summary>
public sealed class FaultPlan
{
    private readonly List<(Func<string, string, bool> Match, int Code, int Remaining)> _faults = [];
    private readonly object _gate = new();

    /// <summary>The "code" of a fault served as 200 OK with an empty body, as a broken proxy may answer.</summary>
    public const int EmptyResponse = 200;

    public int Injected { get; private set; }

    public void EmptyNext(Func<string, string, bool> match, int count) => FailNext(match, EmptyResponse, count);

    public void FailNext(Func<string, string, bool> match, int code, int count)
    {
        lock (_gate)
        {
            _faults.Add((match, code, count));
        }
    }

    public int? Take(string method, string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (match, code, remaining) = _faults[i];
                if (remaining > 0 && match(method, path))
                {
                    _faults[i] = (match, code, remaining - 1);
                    Injected++;
                    return code;
                }
            }
            return null;
        }
    }
}
