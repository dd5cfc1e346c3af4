using System.Security.Cryptography;

namespace Infra.Core.Etcd;

/// <summary>The result of checking a snapshot file's integrity; <see cref="Problem"/> says what is wrong.</summary>
public sealed record SnapshotCheck(bool Valid, long Size, string Sha256, string? Problem);

/// <summary>
/// A snapshot from <c>etcdctl snapshot save</c> is the member's bbolt database followed by the SHA-256 of it (32
/// bytes); the database is whole pages, so the file size is 32 more than a multiple of 512. etcd's restore checks
/// exactly this; the tool checks it before touching any member.
/// </summary>
public static class EtcdSnapshot
{
    private const int HashSize = 32;
    /// <summary>bbolt's magic number, in the meta page at offset 16 (little-endian 0xED0CDAED).</summary>
    private static readonly byte[] BoltMagic = [0xED, 0xDA, 0x0C, 0xED];

    /// <summary>Reads the stream to its end; the caller owns it.</summary>
    public static SnapshotCheck Verify(Stream snapshot)
    {
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var body = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        // The last 32 bytes read so far are held back: they may be the trailer rather than database.
        var tail = new byte[HashSize];
        var tailLength = 0;
        long size = 0;
        var head = new byte[24];
        var headLength = 0;
        int n;
        while ((n = snapshot.Read(buffer, 0, buffer.Length)) > 0)
        {
            whole.AppendData(buffer, 0, n);
            if (headLength < head.Length)
            {
                var take = Math.Min(n, head.Length - headLength);
                Array.Copy(buffer, 0, head, headLength, take);
                headLength += take;
            }
            size += n;
            var combined = new byte[tailLength + n];
            Array.Copy(tail, 0, combined, 0, tailLength);
            Array.Copy(buffer, 0, combined, tailLength, n);
            var keep = Math.Min(HashSize, combined.Length);
            body.AppendData(combined, 0, combined.Length - keep);
            Array.Copy(combined, combined.Length - keep, tail, 0, keep);
            tailLength = keep;
        }
        var sha = Convert.ToHexStringLower(whole.GetHashAndReset());
        if (size == 0) return new SnapshotCheck(false, 0, sha, "the file is empty");
        if (size % 512 != HashSize || size < 4096 + HashSize)
        {
            return new SnapshotCheck(false, size, sha,
                $"{size} bytes is not the size of an etcd snapshot (a database of whole pages and a 32-byte SHA-256): truncated, or not made by 'etcdctl snapshot save'");
        }
        if (headLength < head.Length || !head.AsSpan(16, 4).SequenceEqual(BoltMagic))
        {
            return new SnapshotCheck(false, size, sha, "the file does not start with an etcd (bbolt) database");
        }
        var expected = body.GetHashAndReset();
        return CryptographicOperations.FixedTimeEquals(expected, tail)
            ? new SnapshotCheck(true, size, sha, null)
            : new SnapshotCheck(false, size, sha, "the database does not match the SHA-256 stored at the end of the snapshot: the file is corrupt");
    }
}
