using KubePki.GoText;

namespace KubePki.Cli.Commands;

/// <summary>Every duration flag of the CLI: Go's grammar (<see cref="GoDuration"/>), as kubeadm's and kubectl's
/// flags, and one message form when the text is not one.</summary>
internal static class DurationFlag
{
    /// <summary>A duration of zero or more ("0s" meaning "do not wait" or "no window").</summary>
    public static TimeSpan Read(string text, string flag) => GoDuration.Parse(text, flag);

    /// <summary>A duration of more than zero (a validity, a period, a timeout that must allow some time).</summary>
    public static TimeSpan ReadPositive(string text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new KubePkiException($"{flag}: \"{text}\" is not a valid positive duration (e.g. 720h)");
}
