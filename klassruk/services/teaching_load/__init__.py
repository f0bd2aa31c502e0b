"""Teaching load (учебная нагрузка): subjects, who teaches what to which class or group, hours,
class teachers; edited in a table or imported from XLSX/CSV with row-numbered messages.

A load row names its target by the class («7А», meaning the whole class) or by the exact name of a
group («7А: Английский язык, гр. 1», a stream, an individual plan).
"""
