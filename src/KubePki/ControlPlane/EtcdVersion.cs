using System.Globalization;

namespace KubePki.ControlPlane;

/// <summary>The version in an etcd image tag (<c>registry.k8s.io/etcd:3.5.15-0</c> → 3.5.15-0), ordered as semantic
/// versions are (kubeadm's version.ParseSemantic): major, minor, patch, then a version with a pre-release part (the
/// image build suffix) before one without, pre-release parts compared field by field.</summary>
internal sealed record EtcdVersion(int Major, int Minor, int Patch, IReadOnlyList<string> PreRelease, string Text)
    : IComparable<EtcdVersion>
{
    /// <summary>The version of an image reference's tag; null when it has no tag that is a semantic version.</summary>
    public static EtcdVersion? FromImage(string? image)
    {
        if (image is null)
        {
            return null;
        }
        var name = image.Split('@')[0];
        var colon = name.LastIndexOf(':');
        if (colon < 0 || colon < name.LastIndexOf('/'))
        {
            return null;
        }
        var tag = name[(colon + 1)..].TrimStart('v');
        var plus = tag.IndexOf('+', StringComparison.Ordinal);
        var core = plus < 0 ? tag : tag[..plus];
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        var numbers = (dash < 0 ? core : core[..dash]).Split('.');
        var pre = dash < 0 ? [] : core[(dash + 1)..].Split('.');
        if (numbers.Length != 3 || pre.Any(p => p.Length == 0))
        {
            return null;
        }
        var parsed = numbers
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .ToArray();
        return parsed.Any(v => v < 0) ? null : new EtcdVersion(parsed[0], parsed[1], parsed[2], pre, tag);
    }

    public int CompareTo(EtcdVersion? other)
    {
        if (other is null)
        {
            return 1;
        }
        var order = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (order != 0)
        {
            return order;
        }
        if (PreRelease.Count == 0 || other.PreRelease.Count == 0)
        {
            // 3.5.15-0 < 3.5.15: a pre-release comes before its release.
            return (PreRelease.Count == 0 ? 1 : 0) - (other.PreRelease.Count == 0 ? 1 : 0);
        }
        for (var i = 0; i < Math.Min(PreRelease.Count, other.PreRelease.Count); i++)
        {
            var (a, b) = (PreRelease[i], other.PreRelease[i]);
            var aNumber = long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x);
            var bNumber = long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y);
            var field = (aNumber, bNumber) switch
            {
                (true, true) => x.CompareTo(y),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(a, b),
            };
            if (field != 0)
            {
                return Math.Sign(field);
            }
        }
        return PreRelease.Count.CompareTo(other.PreRelease.Count);
    }

    public override string ToString() => Text;
}
