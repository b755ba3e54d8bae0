using System.Globalization;
using KubePki.Cli.Rendering;
using KubePki.GoText;
using KubePki.Lifecycle;

namespace KubePki.Tests.Cli;

/// <summary>check-expiration's text against outputs of real kubeadm binaries (Cli/KubeadmOutputs, provenance in its
/// README): each published table is parsed back into the data it shows, rendered by kubepki's printer, and compared
/// line by line. What a published copy cannot carry is left out as the README says.</summary>
public class KubeadmOutputTests
{
    private const long Day = 24 * 3600;
    private const long Year = 365 * Day;

    [Theory]
    [InlineData("kubernetes-io-kubeadm-certs.txt")]
    [InlineData("kubeadm-issue-2866.txt")]
    public void Kubepki_prints_what_kubeadm_printed(string fixture)
    {
        var published = Tables(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Cli", "KubeadmOutputs", fixture))
        );
        var rows = ParseTable(published, "CERTIFICATE ", certificates: true)
            .Concat(ParseTable(published, "CERTIFICATE AUTHORITY ", certificates: false))
            .ToList();
        var now = ImpliedNow(rows);
        ExpirationEntry Entry(Row row) =>
            new()
            {
                Name = row.Name,
                ExpirationDate = row.Expires,
                ResidualTimeSeconds = (long)(row.Expires - now).TotalSeconds,
                CaName = row.Certificate ? row.CaName : null,
                ExternallyManaged = row.External,
            };
        var info = new ExpirationInfo
        {
            Certificates = [.. rows.Where(r => r.Certificate).Select(Entry)],
            CertificateAuthorities = [.. rows.Where(r => !r.Certificate).Select(Entry)],
        };

        var ours = ExpirationPrinter.Text(info).Split('\n');
        Assert.Equal(published.Count, ours.Length);
        for (var i = 0; i < published.Count; i++)
        {
            // Equal, or equal once the trailing blanks the publishing medium trimmed are put back.
            var theirs = published[i];
            Assert.True(
                ours[i] == theirs
                    || (ours[i].StartsWith(theirs, StringComparison.Ordinal) && ours[i].TrimEnd() == theirs.TrimEnd()),
                $"line {i + 1} of {fixture}:\nkubeadm: [{theirs}]\nkubepki: [{ours[i]}]"
            );
        }
    }

    [Theory]
    [InlineData("364d", 364 * Day, 365 * Day)]
    [InlineData("9y", 9 * Year, 10 * Year)]
    [InlineData("<invalid>", long.MinValue, -1)]
    public void Residual_time_text_gives_back_the_range_it_was_printed_from(string text, long from, long to)
    {
        Assert.Equal((from, to), Range(text));
        Assert.Equal(text, HumanDuration.FormatShort(from == long.MinValue ? -2 : from));
        Assert.Equal(text, HumanDuration.FormatShort(to - 1));
    }

    /// <summary>The fixture from its first table header on: the lines kubeadm prints before the tables come from
    /// reading the cluster's config, which kubepki does not do.</summary>
    private static List<string> Tables(string text)
    {
        var lines = text.Split('\n').ToList();
        return lines[lines.FindIndex(l => l.StartsWith("CERTIFICATE ", StringComparison.Ordinal))..];
    }

    private sealed record Row(
        string Name,
        DateTimeOffset Expires,
        string Residual,
        string CaName,
        bool External,
        bool Certificate
    );

    /// <summary>The rows under the header that starts with <paramref name="header"/>, cut at the header's column
    /// starts (a blank CA column stays blank).</summary>
    private static IEnumerable<Row> ParseTable(List<string> lines, string header, bool certificates)
    {
        var start = lines.FindIndex(l =>
            l.StartsWith(header, StringComparison.Ordinal) && l.Contains("EXPIRES", StringComparison.Ordinal)
        );
        var head = lines[start];
        string[] names = certificates
            ? ["EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED"]
            : ["EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"];
        var starts = names.Select(n => head.IndexOf(n, StringComparison.Ordinal)).Prepend(0).ToArray();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.Length > 0))
        {
            var cells = starts
                .Select((s, i) => (i + 1 < starts.Length ? line[s..starts[i + 1]] : line[s..]).Trim())
                .ToArray();
            var expires = DateTimeOffset.ParseExact(
                cells[1],
                "MMM dd, yyyy HH:mm 'UTC'",
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal
            );
            yield return new Row(
                cells[0],
                expires,
                cells[2],
                certificates ? cells[3] : "",
                cells[^1] == "yes",
                certificates
            );
        }
    }

    /// <summary>The middle of the instants at which every row's RESIDUAL TIME reads as printed.</summary>
    private static DateTimeOffset ImpliedNow(IEnumerable<Row> rows)
    {
        var earliest = DateTimeOffset.MinValue;
        var latest = DateTimeOffset.MaxValue;
        foreach (var row in rows)
        {
            var (from, to) = Range(row.Residual);
            // from <= expires - now < to
            var after = row.Expires.AddSeconds(-to + 1);
            var before = from == long.MinValue ? latest : row.Expires.AddSeconds(-from);
            earliest = after > earliest ? after : earliest;
            latest = before < latest ? before : latest;
        }
        Assert.True(earliest <= latest, "no instant gives every residual time of the fixture");
        return earliest + (latest - earliest) / 2;
    }

    /// <summary>The seconds [from, to) that apimachinery's ShortHumanDuration prints as
    /// <paramref name="text"/>.</summary>
    private static (long From, long To) Range(string text)
    {
        if (text == "<invalid>")
        {
            return (long.MinValue, -1);
        }
        var value = long.Parse(text[..^1], CultureInfo.InvariantCulture);
        var unit = text[^1] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => Day,
            'y' => Year,
            _ => throw new FormatException($"residual time {text}"),
        };
        return (value * unit, (value + 1) * unit);
    }
}
