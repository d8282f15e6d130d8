namespace TongBan.Grains.Common;

/// <summary>Names of the grain storage providers the silo registers (memory or ADO.NET by mode).</summary>
public static class StorageNames
{
    /// <summary>Durable grain state: memory in embedded mode, PostgreSQL in production mode.</summary>
    public const string Default = "tongban";
}
