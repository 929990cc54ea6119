namespace Apmatrix.LoadTest;

/// <summary>A fault a load run injects mid-scan and the stack must recover from by itself.</summary>
public enum LoadFault
{
    /// <summary>The cluster node most client connections are on, killed outright and left down.</summary>
    ClusterNodeKill,
}
