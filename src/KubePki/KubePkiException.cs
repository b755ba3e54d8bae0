namespace KubePki;

/// <summary>A user error: bad input, a bad file or a refused operation. Its message is one line that names the file,
/// flag or field and what is wrong; the CLI prints it and exits non-zero.</summary>
public sealed class KubePkiException(string message, Exception? inner = null) : Exception(message, inner);
