namespace KubePki.Controller.Tests.Api;

/// <summary>The authenticated requester, from the client certificate: CN = username, each O = a group.</summary>
public sealed record ApiUser(string Name, IReadOnlyList<string> Groups);
