-- Build a database and query it: run by realprogs.sh with and without
-- libpagealloc-malloc.so, the output must not change.
PRAGMA journal_mode = MEMORY;
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO item SELECT i, printf('item-%06d-%s', (i * 7919) % 10000, hex(i * 31)), i % 97,
	((i * 2654435761) % 100000) / 100.0, printf('%.*c', i % 200, 'x')
	FROM n;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp_price ON item(grp, price);
CREATE TABLE grp AS SELECT grp, count(*) AS n, sum(price) AS total, group_concat(id) AS ids
	FROM item GROUP BY grp;
SELECT count(*), sum(length(note)), max(name), min(name) FROM item;
SELECT grp, n, printf('%.2f', total), length(ids) FROM grp ORDER BY total DESC LIMIT 5;
SELECT name, price FROM item WHERE name LIKE 'item-0034%' ORDER BY name;
SELECT a.grp, count(*) FROM item a JOIN item b ON a.grp = b.grp AND a.id = b.id + 97
	GROUP BY a.grp ORDER BY 2 DESC, 1 LIMIT 3;
UPDATE item SET note = upper(note) || name WHERE id % 3 = 0;
DELETE FROM item WHERE id % 5 = 0;
SELECT count(*), sum(length(note)), total(price) FROM item;
SELECT group_concat(name, ',') FROM (SELECT name FROM item ORDER BY price DESC, id LIMIT 20);
VACUUM;
SELECT count(*) FROM item WHERE note GLOB '*XXXX*';
