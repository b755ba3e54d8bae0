namespace KubePki;

/// <summary>A user error: bad input, a bad file or a refused operation. Its message is one line that names the file,
/// flag or field and what is wrong; the CLI prints it and exits non-zero. <see cref="Kind"/> says which sort of
/// failure it is.</summary>
public sealed class KubePkiException : Exception
{
    /// <summary>An error of the given kind (the library sets it where it throws).</summary>
    /// <param name="message">One line naming the file, flag or field and what is wrong.</param>
    /// <param name="kind">Which sort of failure it is.</param>
    /// <param name="inner">The failure it reports, if any.</param>
    internal KubePkiException(string message, KubePkiErrorKind kind, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>An error whose kind is that of <paramref name="inner"/> when it is a
    /// <see cref="KubePkiException"/> (a message given more context keeps its kind), else
    /// <see cref="KubePkiErrorKind.Failed"/>.</summary>
    /// <param name="message">One line naming the file, flag or field and what is wrong.</param>
    /// <param name="inner">The failure it reports, if any.</param>
    public KubePkiException(string message, Exception? inner = null)
        : this(message, (inner as KubePkiException)?.Kind ?? KubePkiErrorKind.Failed, inner) { }

    /// <summary>Which sort of failure this is: a caller can switch on it (retry on
    /// <see cref="KubePkiErrorKind.Busy"/>, for one).</summary>
    public KubePkiErrorKind Kind { get; }
}
