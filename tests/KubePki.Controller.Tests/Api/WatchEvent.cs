namespace KubePki.Controller.Tests.Api;

/// <summary>One entry of a resource's change log: the resourceVersion it created, ADDED/MODIFIED/DELETED and the
/// object as UTF-8 JSON (the stored bytes themselves: never to be changed).</summary>
public sealed record WatchEvent(long ResourceVersion, string Type, string Key, byte[] ObjectJson);
