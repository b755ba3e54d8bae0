using KubePki.Agent;

namespace KubePki.Controller.Tests.Agent;

/// <summary>kured's window: start inclusive, end exclusive, wrapping past midnight, days counted from the opening,
/// in the given zone.</summary>
public class MaintenanceWindowTests
{
    private static DateTimeOffset Utc(int day, int hour, int minute) =>
        new(2026, 12, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void The_default_is_any_time() =>
        Assert.True(MaintenanceWindow.Parse(null, null, null, null).Contains(Utc(7, 13, 37)));

    [Theory]
    [InlineData(1, 59, false)]
    [InlineData(2, 0, true)]
    [InlineData(3, 59, true)]
    [InlineData(4, 0, false)]
    public void A_daytime_window(int hour, int minute, bool inside) =>
        Assert.Equal(inside, MaintenanceWindow.Parse("02:00", "04:00", null, null).Contains(Utc(7, hour, minute)));

    [Theory]
    // 2026-12-07 is a Monday. 22:00-04:00 on mon: Monday 22:00 to Tuesday 04:00.
    [InlineData(7, 22, 0, true)]
    [InlineData(8, 3, 59, true)]
    [InlineData(7, 3, 0, false)] // the window that opened on Sunday
    [InlineData(8, 22, 30, false)] // Tuesday evening
    public void A_window_past_midnight_belongs_to_the_day_it_opens(int day, int hour, int minute, bool inside) =>
        Assert.Equal(inside, MaintenanceWindow.Parse("22:00", "04:00", null, "mon").Contains(Utc(day, hour, minute)));

    [Fact]
    public void The_time_zone_moves_the_window()
    {
        var window = MaintenanceWindow.Parse("02:00", "03:00", "Asia/Tokyo", null);
        Assert.True(window.Contains(Utc(6, 17, 30))); // 02:30 in Tokyo
        Assert.False(window.Contains(Utc(7, 2, 30)));
    }

    [Theory]
    [InlineData("25:00", null, null, null, "--start-time 25:00: not a time of day (HH:MM, 24-hour)")]
    [InlineData(null, "7pm", null, null, "--end-time 7pm: not a time of day (HH:MM, 24-hour)")]
    [InlineData(null, null, "Mars/Olympus", null, "--time-zone Mars/Olympus: unknown time zone")]
    [InlineData(
        null,
        null,
        null,
        "mon,funday",
        "--days mon,funday: \"funday\" is not a day (mon, tue, wed, thu, fri, sat, sun)"
    )]
    public void Bad_flags_name_themselves(string? start, string? end, string? zone, string? days, string message) =>
        Assert.Equal(
            message,
            Assert.Throws<KubePkiException>(() => MaintenanceWindow.Parse(start, end, zone, days)).Message
        );
}
