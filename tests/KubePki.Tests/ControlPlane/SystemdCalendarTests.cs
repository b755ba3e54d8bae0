using KubePki.ControlPlane;
using KubePki.GoText;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>kubepki's reading of OnCalendar expressions (the fallback where systemd-analyze is missing, and the
/// period), judged against the real systemd-analyze: same verdict, same elapses, same longest interval.</summary>
public sealed class SystemdCalendarTests
{
    private static readonly SystemdAnalyzeCalendarJudge Tool = new("systemd-analyze");
    private static readonly ParsedCalendarJudge Parser = new();

    public static readonly TheoryData<string> Valid =
    [
        "daily",
        "DAILY",
        "hourly",
        "minutely",
        "weekly",
        "monthly",
        "quarterly",
        "semiannually",
        "semi-annually",
        "yearly",
        "annually",
        "daily UTC",
        "Mon..Fri 03:00",
        "monday 3:00",
        "Sat,Sun 4:30",
        "Mon,",
        "Mon-Wed *-*-* 1:2:3",
        "Tue,Thu..Sat 23:59:59",
        "*-*-01 00:00",
        "*-*-01 *:*:00",
        "*-*~01 12:00",
        "*-02~03",
        "Mon *-05~07/1",
        "*-*~01..07 6:00",
        "*-*-* *:0/15",
        "*:*:0/7.5",
        "*:*:1.1234567",
        "*-*-* 12:00:00.5",
        "*-*-* 0..6:00",
        "0/3:00",
        "6/4:15",
        "2026..2030-01,07-01 05:00",
        "12-25 08:00",
        "*-*-1..31/10 3:00",
        "Fri *-*-13",
        "*-02-29 00:00",
        "27-03-01",
        "@1800000000",
        "2027-01-15 10:00",
        "*-02-30",
        "2020-01-01",
    ];

    public static readonly TheoryData<string> Invalid =
    [
        "every full moon",
        "",
        " daily",
        "daily ",
        "Mon..",
        "Fri..Mon",
        "Mond",
        "Mon-",
        "*-*-* 24:00",
        "*:60",
        "*-13-01",
        "*-*-32",
        "*-*~29",
        "*-*~00",
        "*:*:1.",
        "*/5",
        "25:00",
        "1..5..6:00",
        "*:0/0",
        "*:*:1..1.5",
        "3:00:00:00",
        "@",
        "1969-01-01",
        "2200-01-01",
    ];

    private static readonly DateTimeOffset[] BaseTimes =
    [
        new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        new(2027, 2, 27, 13, 45, 10, TimeSpan.Zero),
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void Kubepki_reads_the_same_elapses_as_systemd_analyze(string expression)
    {
        foreach (var baseTime in BaseTimes)
        {
            var expected = Tool.Elapses(expression, baseTime, 40, out var toolError);
            Assert.True(expected is not null, toolError);
            var actual = Parser.Elapses(expression, baseTime, 40, out var error);
            Assert.True(actual is not null, error);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Kubepki_refuses_what_systemd_analyze_refuses(string expression)
    {
        Assert.Null(Tool.Elapses(expression, BaseTimes[0], 2, out var toolError));
        Assert.StartsWith("systemd-analyze: ", toolError);
        Assert.Null(Parser.Elapses(expression, BaseTimes[0], 2, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void The_tool_path_reports_systemd_analyzes_own_elapses()
    {
        var elapses = Tool.Elapses("Mon..Fri 03:00", BaseTimes[0], 3, out _);
        Assert.Equal(
            [
                new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 1, 2, 3, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 1, 5, 3, 0, 0, TimeSpan.Zero),
            ],
            elapses
        );
    }

    // The longest interval over 400 days equals the longest gap between systemd-analyze's own elapses over that span.
    [Theory]
    [InlineData("daily", 24 * 1)]
    [InlineData("weekly", 24 * 7)]
    [InlineData("monthly", 24 * 31)]
    [InlineData("quarterly", 24 * 92)]
    [InlineData("Mon..Fri 03:00", 24 * 3)]
    [InlineData("Sat,Sun 4:30", 24 * 6)]
    [InlineData("*-*~01 12:00", 24 * 31)]
    [InlineData("0/3:00", 3)]
    public void The_longest_interval_agrees_with_systemd_analyze(string expression, int hours)
    {
        var from = BaseTimes[1];
        var horizon = TimeSpan.FromDays(400);
        var calendar = SystemdCalendar.TryParse(expression, out _)!;
        var elapses = Tool.Elapses(expression, from, 4000, out _)!;
        var inSpan = elapses.TakeWhile(e => e < elapses[0] + horizon).Count();
        Assert.True(inSpan < elapses.Count, "systemd-analyze's iterations must reach past the span");
        var toolLongest = elapses.Take(inSpan + 1).Zip(elapses.Skip(1).Take(inSpan), (a, b) => b - a).Max();

        Assert.Equal(TimeSpan.FromHours(hours), toolLongest);
        Assert.Equal(toolLongest, calendar.LongestGap(from, horizon));
    }

    // Too dense for systemd-analyze's iterations to cross the gap: the expected interval is worked out by hand.
    [Theory]
    [InlineData("*-*-01 *:*:00", "720h1m0s")] // 1 Jan 23:59 to 1 Feb 00:00 (a 31-day month)
    [InlineData("*-*-01 *:*:*", "720h0m1s")]
    [InlineData("minutely", "1m0s")]
    [InlineData("*:*:0/7.5", "7.5s")]
    [InlineData("Fri *-*-13", "10248h0m0s")] // 427 days: Friday 13 August 2027 to Friday 13 October 2028
    public void Dense_and_sparse_calendars_have_their_exact_longest_interval(string expression, string expected)
    {
        var calendar = SystemdCalendar.TryParse(expression, out _)!;
        Assert.Equal(GoDuration.Parse(expected, "test"), calendar.LongestGap(BaseTimes[1], TimeSpan.FromDays(400)));
    }

    [Theory]
    [InlineData("every full moon", "768h", "--on-calendar every full moon: not a systemd calendar event (")]
    [InlineData("monthly", "720h", "--expiring-within 720h0m0s: shorter than the longest time between two runs")]
    [InlineData("*-02-30", "720h", "--on-calendar *-02-30: stops elapsing")]
    [InlineData("daily Europe/Berlin", "720h", "--on-calendar daily Europe/Berlin: the time zone Europe/Berlin")]
    [InlineData("monthly", "769h", null)]
    [InlineData("Mon..Fri 03:00", "97h", null)]
    [InlineData("Mon..Fri 03:00", "96h59m", "--expiring-within 96h59m0s: shorter than")]
    public void Both_judges_give_render_the_same_verdict(string calendar, string window, string? error)
    {
        foreach (ICalendarJudge judge in new ICalendarJudge[] { Tool, Parser })
        {
            var spec = new RenewalTimerSpec(
                "/usr/local/bin/kubepki",
                calendar,
                GoDuration.Parse(window, "test"),
                TimeSpan.FromHours(1),
                []
            );
            var render = () => RenewalTimerUnits.Render(spec, judge, BaseTimes[1]);
            if (error is null)
            {
                Assert.Equal(2, render().Count);
            }
            else
            {
                Assert.StartsWith(error, Assert.Throws<KubePkiException>(render).Message);
            }
        }
    }

    [Fact]
    public void Systemd_analyze_judges_where_it_is_installed_and_kubepki_reads_the_calendar_elsewhere()
    {
        var installed = Path.GetDirectoryName(
            (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(':')
                .Select(dir => Path.Combine(dir, "systemd-analyze"))
                .First(File.Exists)
        )!;
        using var empty = new TempDir("calendar-judge");

        Assert.IsType<SystemdAnalyzeCalendarJudge>(CalendarJudges.Default($"{empty.Path}:{installed}"));
        Assert.IsType<ParsedCalendarJudge>(CalendarJudges.Default(empty.Path));
        Assert.IsType<ParsedCalendarJudge>(CalendarJudges.Default(""));
    }

    [Fact]
    public void A_calendar_whose_elapses_systemd_reads_differently_is_refused()
    {
        var spec = new RenewalTimerSpec("/usr/local/bin/kubepki", "daily", TimeSpan.FromDays(30), TimeSpan.Zero, []);
        var error = Assert.Throws<KubePkiException>(() =>
            RenewalTimerUnits.Render(spec, new ShiftedJudge(), BaseTimes[0])
        );
        Assert.Equal(
            "--on-calendar daily: kubepki reads its elapses differently from systemd-analyze (elapse 1: "
                + "2026-01-02 00:00:00 UTC, systemd-analyze: 2026-01-02 01:00:00 UTC); use a simpler expression",
            error.Message
        );
    }

    // A judge that reads every elapse an hour later than kubepki does.
    private sealed class ShiftedJudge : ICalendarJudge
    {
        public IReadOnlyList<DateTimeOffset>? Elapses(
            string expression,
            DateTimeOffset after,
            int count,
            out string? error
        ) => Parser.Elapses(expression, after, count, out error)?.Select(e => e.AddHours(1)).ToList();
    }
}
