/**
 * list_lru: an LRU of reclaimable objects (here: unused dentries, each possibly holding an
 * inode), one per memcg when kmem accounting is on. Items are dentry-table ids; the links live
 * in the dentry table's typed arrays, so a list is just head, tail and count.
 */
export class ListLru {
  head = -1;
  tail = -1;
  count = 0;
}
