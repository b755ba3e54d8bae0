namespace KubePki.Controller.Tests.Api;

/// <summary>Injected failures: the next <c>count</c> requests matching a predicate (method, path) get the given HTTP
/// status instead of being served.</summary>
public sealed class FaultPlan
{
    private readonly List<(Func<string, string, bool> Match, int Code, int Remaining)> _faults = [];
    private readonly object _gate = new();

    public int Injected { get; private set; }

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
